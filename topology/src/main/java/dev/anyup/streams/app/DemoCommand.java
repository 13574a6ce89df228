package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.DeadLetterRouter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole system on one machine with nothing but Java. Starts a real KRaft broker (in-process) and a
 * real Confluent-compatible registry (Apicurio, child process), runs the app with the configuration {@code run} would
 * read ({@code --config}, {@code --bundle}, {@code ANYUP_*}; the default bundle unless they name one), publishes the
 * sample images (or {@code --images DIR}), consumes the outputs with {@code read_committed}, writes one PNG per image
 * (input beside PCA→RGB of its dense features) and prints a summary. Everything is stopped at the end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the pipeline end to end on a local broker and registry; write PNGs and a summary.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--images", description = "folder of images to publish (default: the bundled samples)")
  Path images;

  @Option(names = "--out", defaultValue = "demo-output", description = "folder for the PNGs (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--repeat", defaultValue = "1", description = "publish every image this many times")
  int repeat;

  @Option(names = "--timeout-s", defaultValue = "150", description = "give up waiting for outputs after this long")
  int timeoutS;

  @Mixin
  AppConfigOptions options = new AppConfigOptions();

  /** What the demo sets unless the configuration says otherwise: small, quick to commit, any free HTTP port. */
  static final Map<String, String> DEMO_DEFAULTS = Map.of(
      "topics.partitions", "2",
      "http.port", "0",
      "streams.num.stream.threads", "2",
      "streams.commit.interval.ms", "200");

  /** Keys the demo always sets itself: it runs on its own broker and registry. */
  static final List<String> DEMO_OWNED_KEYS = List.of("bootstrap.servers", "schema.registry.url", "application.id",
      "topics.replication");

  /** What the demo measured. */
  record Summary(int images, int dense, int embeddings, int deadLetters, double seconds, double imagesPerSecond,
      long p50Ms, long p99Ms, double denseBytesPerRecord, double embeddingBytesPerRecord, Path out,
      List<String> deadLetterReasons) {
    void print(PrintStream o) {
      o.println();
      o.println("anyup-streams demo summary");
      o.printf("  images published      %d%n", images);
      o.printf("  dense records         %d%n", dense);
      o.printf("  embedding records     %d%n", embeddings);
      o.printf("  dead letters          %d%n", deadLetters);
      deadLetterReasons.forEach(r -> o.println("    - " + r));
      o.printf("  throughput            %.2f images/s (%.1f s)%n", imagesPerSecond, seconds);
      o.printf("  latency p50 / p99     %d ms / %d ms%n", p50Ms, p99Ms);
      o.printf("  bytes per record      dense %.0f, embedding %.0f%n", denseBytesPerRecord, embeddingBytesPerRecord);
      o.printf("  pictures              %s%n", out.toAbsolutePath());
    }
  }

  @Override
  public Integer call() throws Exception {
    Map<String, byte[]> inputs = new LinkedHashMap<>();
    if (images != null) {
      ImageFiles.Listing listing = ImageFiles.scan(images);
      listing.reportSkipped(System.err);
      for (Path p : listing.images()) {
        inputs.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    } else {
      inputs.putAll(SampleImages.load());
    }
    if (inputs.isEmpty()) {
      System.err.println("no images to publish");
      return 1;
    }
    Summary s = run(inputs, out, repeat, Duration.ofSeconds(timeoutS), System.out, options, System.getenv());
    s.print(System.out);
    return s.dense() + s.deadLetters() == s.images() ? 0 : 1;
  }

  static Summary run(Map<String, byte[]> inputs, Path outDir, int repeat, Duration timeout, PrintStream o)
      throws Exception {
    return run(inputs, outDir, repeat, timeout, o, new AppConfigOptions(), Map.of());
  }

  /**
   * The demo with the configuration {@code run} would get from {@code options} and {@code env} ({@code --config},
   * {@code --bundle}, {@code ANYUP_*}), pointed at the local stack.
   */
  static Summary run(Map<String, byte[]> inputs, Path outDir, int repeat, Duration timeout, PrintStream o,
      AppConfigOptions options, Map<String, String> env) throws Exception {
    Files.createDirectories(outDir);
    // fail on a bad configuration before starting anything
    config(options, env, "127.0.0.1:9092", "http://127.0.0.1:8081");
    Path file = options.file(env);
    if (file != null) {
      o.println("configuration " + file.toAbsolutePath() + " (demo runs on its own broker and registry: "
          + DEMO_OWNED_KEYS + " set by the demo)");
    }
    o.println("starting Kafka (KRaft) and the schema registry (Apicurio) ...");
    try (LocalStack stack = LocalStack.start()) {
      o.println("  kafka " + stack.bootstrapServers() + ", registry " + stack.schemaRegistryUrl() + " (started in "
          + stack.startupTime().toMillis() + " ms)");
      AppConfig cfg = config(options, env, stack.bootstrapServers(), stack.schemaRegistryUrl());
      o.println("loading and verifying the model bundle " + describe(cfg.model().bundle()) + " ...");
      try (AnyupApp app = AnyupApp.start(cfg)) {
        o.println(bundleLine(app.lineage(), cfg.model()));
        o.println("  ops endpoints on http://localhost:" + app.httpPort() + "/{health,ready,metrics}");
        return publishAndCollect(app.config(), inputs, outDir, repeat, timeout, o);
      }
    }
  }

  /** The demo's configuration: its defaults, then what {@code run} would read, then the local stack's endpoints. */
  static AppConfig config(AppConfigOptions options, Map<String, String> env, String bootstrap, String registry) {
    return options.load(env, DEMO_DEFAULTS, Map.of(
        "bootstrap.servers", bootstrap,
        "schema.registry.url", registry,
        "application.id", "anyup-demo-" + UUID.randomUUID().toString().substring(0, 8),
        "topics.replication", "1"));
  }

  private static String describe(String bundle) {
    return bundle.equals("default") ? "'default' (the stand-in shipped in the jar)"
        : Path.of(bundle).toAbsolutePath().normalize().toString();
  }

  /** The line that says which bundle the demo used. */
  static String bundleLine(ModelLineage l, AppConfig.Model model) {
    return "  bundle " + l.getBundleName() + " " + l.getBundleVersion() + " from " + describe(model.bundle())
        + ": encoder " + l.getEncoderModel().getName() + " " + l.getEncoderModel().getVersion()
        + ", upsampler " + l.getUpsamplerModel().getName() + " " + l.getUpsamplerModel().getVersion()
        + " (" + model.upsampler() + "), input " + model.inputSize() + ", device " + model.device();
  }

  private static Summary publishAndCollect(AppConfig cfg, Map<String, byte[]> inputs, Path outDir, int repeat,
      Duration timeout, PrintStream o) {
    Map<String, byte[]> byId = new LinkedHashMap<>();
    Map<String, Long> sentAt = new HashMap<>();
    List<Long> latencies = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    int dense = 0;
    int embeddings = 0;
    int dead = 0;
    long denseBytes = 0;
    long embeddingBytes = 0;
    Properties cp = cfg.consumerProperties();
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "anyup-demo-reader");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
    Properties pp = cfg.producerProperties();
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(32 * 1024 * 1024));
    try (SpecificAvroSerde<ImageEvent> events = new SpecificAvroSerde<>(ImageEvent.class);
        SpecificAvroSerde<DenseFeatures> denseSerde = new SpecificAvroSerde<>(DenseFeatures.class);
        var consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        var producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      events.configure(Map.copyOf(cfg.serdeConfig()), false);
      denseSerde.configure(Map.copyOf(cfg.serdeConfig()), false);
      consumer.subscribe(List.of(cfg.topics().dense(), cfg.topics().embeddings(), cfg.topics().dlq()));
      long start = System.nanoTime();
      int i = 0;
      for (int r = 0; r < repeat; r++) {
        for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
          String id = repeat == 1 ? e.getKey() : e.getKey() + "#" + r;
          String source = "demo-cam-" + (i++ % 2);
          byId.put(id, e.getValue());
          Instant now = Instant.now();
          sentAt.put(id, now.toEpochMilli());
          ImageEvent ev = ImageFiles.event(id, source, e.getKey(), e.getValue(), now);
          producer.send(new ProducerRecord<>(cfg.topics().input(), null, now.toEpochMilli(),
              source.getBytes(StandardCharsets.UTF_8), events.serializer().serialize(cfg.topics().input(), ev)));
        }
      }
      producer.flush();
      int total = byId.size();
      o.println("published " + total + " images to " + cfg.topics().input() + "; processing ...");
      long deadline = System.nanoTime() + timeout.toNanos();
      long lastOutput = start;
      int shown = -1;
      long shownAt = 0;
      while ((dense + dead < total || embeddings + dead < total) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          lastOutput = System.nanoTime();
          if (rec.topic().equals(cfg.topics().dlq())) {
            dead++;
            reasons.add(header(rec, DeadLetterRouter.IMAGE_ID) + " at stage " + header(rec, DeadLetterRouter.STAGE)
                + ": " + header(rec, DeadLetterRouter.MESSAGE));
            continue;
          }
          if (rec.topic().equals(cfg.topics().embeddings())) {
            embeddings++;
            embeddingBytes += rec.value().length;
            continue;
          }
          dense++;
          denseBytes += rec.value().length;
          DenseFeatures d = denseSerde.deserializer().deserialize(rec.topic(), rec.value());
          Long sent = sentAt.get(d.getImageId());
          if (sent != null) {
            latencies.add(now - sent);
          }
          writePng(outDir, d, byId.get(d.getImageId()));
        }
        if (dense + dead != shown || System.nanoTime() - shownAt > 1_000_000_000L) {
          shown = dense + dead;
          shownAt = System.nanoTime();
          progress(o, shown, total, start);
        }
      }
      o.println();
      double seconds = (lastOutput - start) / 1e9;
      latencies.sort(Long::compare);
      return new Summary(total, dense, embeddings, dead, seconds, seconds > 0 ? dense / seconds : 0,
          percentile(latencies, 0.50), percentile(latencies, 0.99),
          dense == 0 ? 0 : (double) denseBytes / dense, embeddings == 0 ? 0 : (double) embeddingBytes / embeddings,
          outDir, reasons);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    var h = r.headers().lastHeader(key);
    return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void writePng(Path outDir, DenseFeatures d, byte[] source) {
    Path f = outDir.resolve(InspectCommand.safe(d.getImageId()) + ".features.png");
    try {
      ImageIO.write(FeatureRenderer.sideBySide(source, d, 224), "png", f.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f, e);
    }
  }

  private static void progress(PrintStream o, int done, int total, long start) {
    int width = 40;
    int filled = total == 0 ? width : done * width / total;
    double s = (System.nanoTime() - start) / 1e9;
    o.printf("\r[%s%s] %d/%d images  %.1f s", "#".repeat(filled), " ".repeat(width - filled), done, total, s);
    o.flush();
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int idx = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }
}
