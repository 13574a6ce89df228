package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.BadInputCorpus;
import dev.anyup.streams.topology.DeadLetterRouter;
import dev.anyup.streams.topology.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10's bad-input suite through the running app on the real broker and registry: every image-level kind of
 * {@link BadInputCorpus} and a dozen Kafka-level kinds, each followed by a good canary on the same key. Each bad
 * record must be accounted for — an output, or a dead letter with the expected stage and reason code, its original
 * bytes and its own header intact — and every canary must still be processed, exactly once.
 */
@ExtendWith(SharedStack.class)
class BadInputCorpusIT {

  /** One record to send, and its expected fate: null stage = outputs. */
  private record Kind(String name, byte[] value, String stage, String reason) {}

  @Test
  void everyBadInputKindIsAccountedForAndTheNextGoodImageIsStillProcessed() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "corpus-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix,
        Map.of("limits.image.max.pixels", Long.toString(BadInputCorpus.MAX_PIXELS), "output.dense.size", "28"));
    try (AnyupApp app = AnyupApp.start(cfg);
        ItSupport.Client client = new ItSupport.Client(app.config())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
      List<Kind> kinds = new java.util.ArrayList<>();
      for (BadInputCorpus.Case c : BadInputCorpus.images()) {
        kinds.add(new Kind(c.kind(), client.event(c.kind(), "src", c.contentType(), c.image()),
            c.reason() == null ? null : "decode", c.reason()));
      }
      kinds.addAll(kafkaLevel(client, cfg));

      byte[] canaryImage = TestImages.pattern(48, 32, 5, "png");
      for (Kind k : kinds) {
        client.send("k-" + k.name(), k.value(), "x-kind", k.name());
        client.send("k-" + k.name(), client.event("canary-" + k.name(), "src", canaryImage));
      }
      client.flush();
      long outputs = kinds.stream().filter(k -> k.stage() == null).count() + kinds.size();
      long letters = kinds.stream().filter(k -> k.stage() != null).count();
      ItSupport.Outputs out = client.collect((int) outputs, (int) outputs, (int) letters, Duration.ofSeconds(240));

      SpecificAvroSerde<DenseFeatures> denseSerde = client.serde(DenseFeatures.class);
      SpecificAvroSerde<ImageEmbedding> embSerde = client.serde(ImageEmbedding.class);
      Map<String, Integer> dense = new TreeMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.dense()) {
        dense.merge(denseSerde.deserializer().deserialize(r.topic(), r.value()).getImageId(), 1, Integer::sum);
      }
      Map<String, Integer> emb = new TreeMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.embeddings()) {
        emb.merge(embSerde.deserializer().deserialize(r.topic(), r.value()).getImageId(), 1, Integer::sum);
      }
      Map<String, ConsumerRecord<byte[], byte[]>> byKind = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.deadLetters()) {
        byKind.put(ItSupport.header(r, "x-kind"), r);
      }
      Map<String, String> wrong = new LinkedHashMap<>();
      Map<String, Integer> expectedOutputs = new TreeMap<>();
      for (Kind k : kinds) {
        expectedOutputs.put("canary-" + k.name(), 1);
        String actual;
        ConsumerRecord<byte[], byte[]> letter = byKind.get(k.name());
        if (letter != null) {
          actual = ItSupport.header(letter, DeadLetterRouter.STAGE) + "/"
              + ItSupport.header(letter, DeadLetterRouter.REASON);
          boolean intact = k.value() == null ? letter.value() == null : Arrays.equals(k.value(), letter.value());
          if (!intact) {
            actual += " (original bytes changed)";
          }
        } else {
          actual = dense.containsKey(k.name()) ? "output" : "nothing";
        }
        String expected = k.stage() == null ? "output" : k.stage() + "/" + k.reason();
        if (k.stage() == null) {
          expectedOutputs.put(k.name(), 1);
        }
        if (!expected.equals(actual)) {
          wrong.put(k.name(), "expected " + expected + " but got " + actual);
        }
      }
      String summary = "BadInputCorpusIT: " + kinds.size() + " kinds (" + BadInputCorpus.images().size()
          + " image-level, " + (kinds.size() - BadInputCorpus.images().size()) + " Kafka-level); "
          + (outputs - kinds.size()) + " with outputs, " + letters + " dead letters; mismatches " + wrong.size();
      System.out.println(summary);
      Path report = Path.of("target", "reliability");
      Files.createDirectories(report);
      Files.writeString(report.resolve("bad-inputs.txt"), summary + "\n");
      assertEquals(Map.of(), wrong, "kinds whose fate differs from the expected one");
      assertEquals(expectedOutputs, dense, "one dense record per processed kind and per canary, none for the others");
      assertEquals(expectedOutputs, emb, "one embedding per processed kind and per canary");
      assertEquals(letters, out.deadLetters().size(), "one dead letter per rejected kind");
    }
  }

  /** Records that are broken as Kafka values, before any image is looked at. */
  /**
   * Heap per Kafka-level bad input (issue 10): the bytes the app's own input deserialiser
   * ({@code TopologySerdes.avro}, bounded by {@code avro.max.length} = the image byte limit) allocates for each
   * Kafka-level kind, measured with the JVM's per-thread allocation counter after a first pass (class loading, the
   * registry's schema cache). Each must stay under {@value #KAFKA_KIND_BYTES} bytes, although two of them declare
   * 2 GB; the figures go to {@code target/reliability/heap-per-input-kafka.txt}.
   */
  @Test
  void noKafkaLevelKindMakesTheAppsDeserializerAllocateAMebibyte() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "corpus-heap-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      List<Kind> kinds = kafkaLevel(client, cfg);
      var deserializer = dev.anyup.streams.topology.TopologySerdes.avro(cfg).imageEvents();
      for (Kind k : kinds) {
        outcome(deserializer, cfg, k); // warm up
      }
      Map<String, Long> allocated = new LinkedHashMap<>();
      List<String> lines = new java.util.ArrayList<>();
      for (Kind k : kinds) {
        long before = allocatedByThisThread();
        String o = outcome(deserializer, cfg, k);
        long bytes = allocatedByThisThread() - before;
        allocated.put(k.name(), bytes);
        lines.add(String.format("%-36s %10d bytes  %s", k.name(), bytes, o));
      }
      String text = "allocated by the app's input deserializer per Kafka-level kind (" + kinds.size() + " kinds; bound "
          + KAFKA_KIND_BYTES + " bytes)\n" + String.join("\n", lines);
      System.out.println("BadInputCorpusIT\n" + text);
      Path out = Path.of("target", "reliability");
      Files.createDirectories(out);
      Files.writeString(out.resolve("heap-per-input-kafka.txt"), text + "\n");
      Map<String, Long> over = new LinkedHashMap<>();
      allocated.forEach((kind, bytes) -> {
        if (bytes > KAFKA_KIND_BYTES) {
          over.put(kind, bytes);
        }
      });
      assertEquals(Map.of(), over, "Kafka-level kinds that made the deserializer allocate more than the bound");
      assertEquals(13, kinds.size(), "the corpus's Kafka-level kinds");
    }
  }

  private static final long KAFKA_KIND_BYTES = 1024 * 1024;

  private static String outcome(org.apache.kafka.common.serialization.Deserializer<?> deserializer, AppConfig cfg,
      Kind k) {
    try {
      return "record " + (deserializer.deserialize(cfg.topics().input(), k.value()) == null ? "null" : "decoded");
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private static List<Kind> kafkaLevel(ItSupport.Client client, AppConfig cfg) {
    byte[] valid = client.event("template", "src", TestImages.pattern(20, 20, 1, "png"));
    List<Kind> k = new java.util.ArrayList<>();
    byte[] magic = valid.clone();
    magic[0] = 9;
    k.add(new Kind("kafka-wrong-magic-byte", magic, "deserialize", "MAGIC_BYTE"));
    byte[] unknownId = valid.clone();
    ByteBuffer.wrap(unknownId).putInt(1, 424_242);
    k.add(new Kind("kafka-unknown-schema-id", unknownId, "deserialize", "UNKNOWN_SCHEMA"));
    k.add(new Kind("kafka-tombstone", null, "deserialize", "NULL_VALUE"));
    k.add(new Kind("kafka-empty-value", new byte[0], "deserialize", "TRUNCATED"));
    k.add(new Kind("kafka-shorter-than-header", Arrays.copyOf(valid, 3), "deserialize", "TRUNCATED"));
    // an empty body ends in Avro's own EOF before any declared length: "does not decode" (MALFORMED), as a body cut
    // inside a fixed-size value is (DeserializerErrorsTest pins both)
    k.add(new Kind("kafka-header-only", Arrays.copyOf(valid, 5), "deserialize", "MALFORMED"));
    k.add(new Kind("kafka-truncated-avro", Arrays.copyOf(valid, valid.length * 3 / 5), "deserialize", "TRUNCATED"));
    k.add(new Kind("kafka-declares-2GB-image", client.poisonEvent("kafka-declares-2GB-image", "src"), "deserialize",
        "TOO_LARGE"));
    k.add(new Kind("kafka-declares-2GB-image-id", avroBody(valid, e -> e.writeLong(2_000_000_000L)), "deserialize",
        "TOO_LARGE"));
    // BoundedDecoder reports a negative declared length as truncation (BoundedDecodingTest pins it)
    k.add(new Kind("kafka-negative-length", avroBody(valid, e -> e.writeLong(-5)), "deserialize", "TRUNCATED"));
    k.add(new Kind("kafka-trailing-bytes", Arrays.copyOf(valid, valid.length + 7), "deserialize", "MALFORMED"));
    SpecificAvroSerde<ImageEmbedding> other = client.serde(ImageEmbedding.class);
    byte[] embedding = other.serializer().serialize(cfg.topics().embeddings(), ImageEmbedding.newBuilder()
        .setImageId("other").setSourceId("src").setCaptureTimestamp(java.time.Instant.EPOCH)
        .setProcessedTimestamp(java.time.Instant.EPOCH).setLineage(ItSupport.defaultLineage()).setDimension(1)
        .setVector(List.of(1f)).setVectorKind("cls").setRegionGrid(0).setRegions(List.of()).build());
    k.add(new Kind("kafka-another-schemas-avro", embedding, "deserialize", "MALFORMED"));
    k.add(new Kind("kafka-garbage", "\u0000\u0001garbage that is not avro".getBytes(StandardCharsets.UTF_8),
        "deserialize", "UNKNOWN_SCHEMA"));
    return k;
  }

  private interface BodyWriter {
    void write(BinaryEncoder e) throws IOException;
  }

  /** The header of {@code valid} (magic byte, schema id) followed by an Avro body of the writer's making. */
  private static byte[] avroBody(byte[] valid, BodyWriter body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, 5);
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    try {
      body.write(e);
      e.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    out.write(new byte[16], 0, 16);
    return out.toByteArray();
  }
}
