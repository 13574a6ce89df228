package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.access.AccessFailure;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.segmentation.LabelPalette;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.DenseTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code inspect}: reads an output topic from the beginning with {@code read_committed}, prints each record, and for
 * dense features writes a PCA→RGB PNG per record; for label maps ({@code SegmentationMap}) it prints the class names
 * with their pixel counts and writes the map coloured with {@link LabelPalette} (label 0, unknown, transparent).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print records of an output topic (read_committed); render dense features or label maps to PNG.")
final class InspectCommand implements Callable<Integer> {
  @Mixin
  ClusterOptions cluster;

  @Option(names = "--topic", defaultValue = "features.dense", description = "dense, embeddings, segments or dead-letter topic")
  String topic;

  @Option(names = "--kind", description = "dense, embeddings, segments or dlq (default: guessed from the topic name)")
  String kind;

  @Option(names = "--max", defaultValue = "100", description = "stop after this many records")
  int max;

  @Option(names = "--idle-ms", defaultValue = "5000", description = "stop after this long without records")
  long idleMs;

  @Option(names = "--png", description = "folder for PCA→RGB PNGs of dense features, or coloured label maps of segments")
  Path png;

  @Option(names = "--npy", description = "folder for the decoded dense tensors as NumPy float32 [C,H,W] files "
      + "(any dtype, INT8 scales applied), e.g. to compare with PyTorch")
  Path npy;

  /** Each run reads as a fresh consumer group with this prefix (its READ ACL is a prefixed one). */
  static final String GROUP_PREFIX = "anyup-inspect-";

  @Override
  public Integer call() throws IOException {
    String k = kind != null ? kind : topic.contains("dlq") ? "dlq" : topic.contains("embed") ? "embeddings"
        : topic.contains("segment") ? "segments" : "dense";
    AppConfig cfg = cluster.config();
    if (png != null) {
      Files.createDirectories(png);
    }
    if (npy != null) {
      Files.createDirectories(npy);
    }
    Properties p = cfg.consumerProperties();
    String group = GROUP_PREFIX + UUID.randomUUID();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try {
      return read(cfg, p, k);
    } catch (org.apache.kafka.common.KafkaException e) {
      // a missing ACL or rejected credentials: one line naming what to add, not a stack trace
      java.util.Optional<AccessFailure> denied = AccessFailure.of(e, AccessContext.of(p, java.util.Set.of(topic),
          java.util.Set.of(), GROUP_PREFIX));
      if (denied.isPresent()) {
        throw new StartupException(denied.get().message().replace("--group " + group,
            "--group " + GROUP_PREFIX + " --resource-pattern-type prefixed"), e);
      }
      throw e;
    }
  }

  private int read(AppConfig cfg, Properties p, String k) throws IOException {
    int n;
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        SpecificAvroSerde<DenseFeatures> dense = new SpecificAvroSerde<>(DenseFeatures.class);
        SpecificAvroSerde<ImageEmbedding> emb = new SpecificAvroSerde<>(ImageEmbedding.class);
        SpecificAvroSerde<SegmentationMap> segments = new SpecificAvroSerde<>(SegmentationMap.class)) {
      dense.configure(Map.copyOf(cfg.serdeConfig()), false);
      emb.configure(Map.copyOf(cfg.serdeConfig()), false);
      segments.configure(Map.copyOf(cfg.serdeConfig()), false);
      consumer.subscribe(List.of(topic));
      n = read(consumer, max, idleMs, Math.max(ASSIGNMENT_WAIT_MS, idleMs), System::nanoTime,
          r -> print(r, k, dense, emb, segments));
    }
    if (n < 0) {
      System.err.println("inspect: no partition of topic '" + topic + "' was assigned within "
          + Math.max(ASSIGNMENT_WAIT_MS, idleMs) + " ms; is the topic there and the broker reachable?");
      return 1;
    }
    System.out.println(n + (n == 1 ? " record" : " records"));
    return 0;
  }

  /** How long to wait for the consumer's partition assignment before the idle timer may start. */
  static final long ASSIGNMENT_WAIT_MS = 30_000;

  /**
   * Polls {@code consumer} and hands each record to {@code sink}, at most {@code max} records. The idle timer starts
   * only once the consumer has its assignment (a slow group join is not "no records"); returns the number of records
   * handed on, or -1 when no assignment came within {@code assignmentWaitMs}.
   */
  static int read(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, int max, long idleMs,
      long assignmentWaitMs, LongSupplier nanoClock, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    int n = 0;
    long start = nanoClock.getAsLong();
    long idleSince = -1;
    while (n < max) {
      var records = consumer.poll(Duration.ofMillis(200));
      long now = nanoClock.getAsLong();
      if (idleSince < 0) {
        if (!consumer.assignment().isEmpty()) {
          idleSince = now;
        } else if (now - start >= assignmentWaitMs * 1_000_000L) {
          return -1;
        }
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (n >= max) {
          break;
        }
        n++;
        idleSince = now;
        sink.accept(r);
      }
      if (idleSince >= 0 && now - idleSince >= idleMs * 1_000_000L) {
        break;
      }
    }
    return n;
  }

  private void print(ConsumerRecord<byte[], byte[]> r, String k, SpecificAvroSerde<DenseFeatures> dense,
      SpecificAvroSerde<ImageEmbedding> emb, SpecificAvroSerde<SegmentationMap> segments) {
    String key = r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8);
    System.out.printf("%s-%d@%d key=%s%n", r.topic(), r.partition(), r.offset(), key);
    switch (k) {
      case "dlq" -> {
        for (Header h : r.headers()) {
          System.out.println("  " + h.key() + " = " + new String(h.value(), StandardCharsets.UTF_8));
        }
        System.out.println("  value " + (r.value() == null ? "null" : r.value().length + " bytes"));
      }
      case "embeddings" -> {
        ImageEmbedding e = emb.deserializer().deserialize(r.topic(), r.headers(), r.value());
        System.out.println("  image " + e.getImageId() + " source " + e.getSourceId() + " dim " + e.getDimension()
            + " kind " + e.getVectorKind() + " regions " + e.getRegionGrid() + " lineage " + e.getLineage());
        System.out.println(FeatureRenderer.times(e.getCaptureTimestamp(), e.getProcessedTimestamp()));
      }
      case "segments" -> {
        SegmentationMap m = segments.deserializer().deserialize(r.topic(), r.headers(), r.value());
        summary(m).forEach(System.out::println);
        if (png != null) {
          Path f = png.resolve(safe(m.getImageId()) + ".png");
          try {
            Files.write(f, LabelPalette.colouredPng(m));
          } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + f, ex);
          }
          System.out.println("  wrote " + f);
        }
      }
      default -> {
        DenseFeatures d = dense.deserializer().deserialize(r.topic(), r.headers(), r.value());
        FeatureRenderer.summary(d).forEach(System.out::println);
        if (png != null) {
          Path f = png.resolve(safe(d.getImageId()) + ".png");
          try {
            ImageIO.write(FeatureRenderer.pcaRgb(DenseTensors.decode(d)), "png", f.toFile());
          } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + f, ex);
          }
          System.out.println("  wrote " + f);
        }
        if (npy != null) {
          Path f = npy.resolve(safe(d.getImageId()) + ".npy");
          try {
            dev.anyup.streams.models.Npy.write(f, DenseTensors.decode(d));
          } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + f, ex);
          }
          System.out.println("  wrote " + f);
        }
      }
    }
  }

  /** The record's ids, head and size, then one line per class: label, name, palette colour, pixel count. */
  static List<String> summary(SegmentationMap m) {
    List<String> out = new java.util.ArrayList<>();
    out.add("  image " + m.getImageId() + " source " + m.getSourceId() + " head " + m.getHeadKind() + " "
        + m.getHeadName() + " version " + m.getHeadVersion() + " " + m.getWidth() + "x" + m.getHeight()
        + " label png " + m.getLabelPng().remaining() + " bytes" + (m.getConfidencePng() == null ? ""
        : ", confidence png " + m.getConfidencePng().remaining() + " bytes"));
    out.add(FeatureRenderer.times(m.getCaptureTimestamp(), m.getProcessedTimestamp()));
    for (int i = 0; i < m.getClassNames().size(); i++) {
      long count = i < m.getPixelCounts().size() ? m.getPixelCounts().get(i) : 0;
      out.add("  " + i + " " + m.getClassNames().get(i) + " " + LabelPalette.css(i) + " " + count + " px");
    }
    return out;
  }

  static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
