package dev.anyup.streams.bench;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.retrieval.EmbeddingIndex;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Retrieval numbers for BENCHMARKS.md: exact-kNN query latency (p50/p99) of {@link EmbeddingIndex} at each stored
 * size, with and without a source filter, and the ingest rate of the {@code serve} topology (embeddings topic on a real
 * local broker → Avro → RocksDB store → index), measured from the service's start until the index holds them all.
 */
@Command(name = "retrieval-bench", mixinStandardHelpOptions = true,
    description = "Query latency and ingest rate of the retrieval service.")
public final class RetrievalBenchmark implements Callable<Integer> {
  @Option(names = "--sizes", split = ",", defaultValue = "10000,100000", description = "stored embeddings")
  List<Integer> sizes;

  @Option(names = "--dim", defaultValue = "384", description = "embedding dimension (ViT-S/14: 384)")
  int dim;

  @Option(names = "--queries", defaultValue = "500", description = "timed queries per size")
  int queries;

  @Option(names = "--k", defaultValue = "10", description = "neighbours per query")
  int k;

  @Option(names = "--sources", defaultValue = "10", description = "distinct source ids")
  int sources;

  @Option(names = "--ingest", defaultValue = "100000", description = "embeddings for the ingest run (0: skip)")
  int ingest;

  public static void main(String[] args) {
    System.exit(new CommandLine(new RetrievalBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf("cores %d, max heap %d MiB, dim %d, k %d, %d queries per size%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, dim, k, queries);
    System.out.println("| stored | query p50 ms | query p99 ms | p50 ms, 1 of " + sources
        + " sources | p99 ms, filtered | index.put / s |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    for (int n : sizes) {
      queryRun(n);
    }
    if (ingest > 0) {
      ingestRun(ingest);
    }
    return 0;
  }

  private void queryRun(int n) {
    Random rnd = new Random(n);
    List<float[]> vectors = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      vectors.add(gaussian(rnd, dim));
    }
    EmbeddingIndex index = new EmbeddingIndex();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      index.put("img-" + i, "cam-" + (i % sources), t0.plusMillis(i), vectors.get(i));
    }
    double putsPerSecond = n / ((System.nanoTime() - start) / 1e9);
    EmbeddingIndex.Filter oneSource = new EmbeddingIndex.Filter("cam-3", null, null);
    time(index, rnd, n, queries / 5, EmbeddingIndex.Filter.NONE); // warm-up (JIT)
    Percentiles all = time(index, rnd, n, queries, EmbeddingIndex.Filter.NONE);
    Percentiles filtered = time(index, rnd, n, queries, oneSource);
    System.out.printf("| %,d | %.2f | %.2f | %.2f | %.2f | %,.0f |%n", n, all.p50(), all.p99(), filtered.p50(),
        filtered.p99(), putsPerSecond);
  }

  private Percentiles time(EmbeddingIndex index, Random rnd, int n, int count, EmbeddingIndex.Filter filter) {
    double[] ms = new double[count];
    long sink = 0;
    for (int q = 0; q < count; q++) {
      String id = "img-" + rnd.nextInt(n);
      long t = System.nanoTime();
      sink += index.similarTo(id, k, filter).orElseThrow().size();
      ms[q] = (System.nanoTime() - t) / 1e6;
    }
    if (sink < 0) {
      throw new IllegalStateException("unreachable");
    }
    return Percentiles.of(ms);
  }

  private void ingestRun(int n) throws Exception {
    System.out.println();
    System.out.println("ingest: " + n + " embeddings of dim " + dim + " on a local KRaft broker + Apicurio ...");
    Path state = Files.createTempDirectory("anyup-retrieval-bench-");
    try (LocalStack stack = LocalStack.start()) {
      String topic = "features.embeddings";
      stack.kafka().createTopic(topic, 3, Map.of());
      AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", stack.bootstrapServers(),
          "schema.registry.url", stack.schemaRegistryUrl(), "topics.embeddings", topic,
          "streams.state.dir", state.toString()));
      produce(cfg, topic, n, dim, sources);
      RetrievalService.Settings settings =
          new RetrievalService.Settings("retrieval-bench-" + UUID.randomUUID(), "127.0.0.1", 0);
      long start = System.nanoTime();
      try (RetrievalService service = RetrievalService.start(cfg, settings)) {
        while (service.index().size() < n) {
          Thread.sleep(20); // a benchmark loop polling a count; no test waits like this
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("ingest rate: %,d embeddings in %.1f s = %,.0f embeddings/s (service start, consume, "
            + "Avro, RocksDB store, index)%n", n, s, n / s);
      }
    }
  }

  /** Writes {@code n} random embeddings (ids {@code img-0..n-1}, {@code sources} source ids) to {@code topic}. */
  static void produce(AppConfig cfg, String topic, int n, int dim, int sources) throws Exception {
    ModelRef ref = ModelRef.newBuilder().setName("bench").setVersion("1").setSha256("00").build();
    ModelLineage lineage = ModelLineage.newBuilder().setEncoderModel(ref).setUpsamplerModel(ref)
        .setBundleName("bench").setBundleVersion("1").build();
    Random rnd = new Random(7);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    var props = cfg.producerProperties();
    props.put("linger.ms", "20");
    props.put("batch.size", Integer.toString(1 << 20));
    try (SpecificAvroSerde<ImageEmbedding> serde = new SpecificAvroSerde<>(ImageEmbedding.class);
        var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      serde.configure(Map.copyOf(cfg.serdeConfig()), false);
      for (int i = 0; i < n; i++) {
        float[] v = gaussian(rnd, dim);
        List<Float> vec = new ArrayList<>(dim);
        for (float x : v) {
          vec.add(x);
        }
        String source = "cam-" + (i % sources);
        ImageEmbedding e = ImageEmbedding.newBuilder().setImageId("img-" + i).setSourceId(source)
            .setCaptureTimestamp(t0.plusMillis(i)).setProcessedTimestamp(t0.plusMillis(i)).setLineage(lineage)
            .setDimension(dim).setVector(vec).setVectorKind("cls").setRegionGrid(0).setRegions(List.of()).build();
        producer.send(new ProducerRecord<>(topic, source.getBytes(StandardCharsets.UTF_8),
            serde.serializer().serialize(topic, e)));
      }
      producer.flush();
    }
  }

  private static float[] gaussian(Random rnd, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }
}
