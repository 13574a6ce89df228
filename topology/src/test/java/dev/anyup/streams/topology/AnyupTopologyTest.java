package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.Color;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnyupTopologyTest {
  private final String registry = "mock://topology-test-" + UUID.randomUUID();
  private final PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
  private TopologyTestDriver driver;
  private ImagePipeline pipeline;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> dense;
  private TestOutputTopic<byte[], byte[]> embeddings;
  private TestOutputTopic<byte[], byte[]> dlq;
  private SpecificAvroSerde<ImageEvent> eventSerde;
  private SpecificAvroSerde<DenseFeatures> denseSerde;
  private SpecificAvroSerde<ImageEmbedding> embeddingSerde;

  private AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new java.util.HashMap<>(Map.of("bootstrap.servers", "unused:9092",
        "schema.registry.url", registry, "output.dense.dtype", "FLOAT32", "batch.max.wait.ms", "0",
        "limits.image.max.bytes", "200000", "limits.image.max.pixels", "1000000"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  private void start(AppConfig cfg) {
    start(cfg, null);
  }

  private void start(AppConfig cfg, Projection projection) {
    pipeline = FakeModels.pipeline(cfg, metrics, projection);
    var serdes = TopologySerdes.avro(cfg);
    var topology = AnyupTopology.build(cfg, serdes, pipeline, metrics);
    Properties p = cfg.streamsProperties();
    driver = new TopologyTestDriver(topology, p);
    var bs = new ByteArraySerializer();
    var bd = new ByteArrayDeserializer();
    input = driver.createInputTopic(cfg.topics().input(), bs, bs);
    dense = driver.createOutputTopic(cfg.topics().dense(), bd, bd);
    embeddings = driver.createOutputTopic(cfg.topics().embeddings(), bd, bd);
    dlq = driver.createOutputTopic(cfg.topics().dlq(), bd, bd);
    eventSerde = serde(ImageEvent.class);
    denseSerde = serde(DenseFeatures.class);
    embeddingSerde = serde(ImageEmbedding.class);
  }

  private <T extends org.apache.avro.specific.SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
    SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type);
    s.configure(Map.of("schema.registry.url", registry), false);
    return s;
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private byte[] event(String id, String source, byte[] image) {
    ImageEvent e = ImageEvent.newBuilder().setImageId(id).setSourceId(source)
        .setCaptureTimestamp(Instant.ofEpochMilli(1_700_000_000_000L)).setContentType("image/png")
        .setImage(ByteBuffer.wrap(image)).setAttributes(Map.of()).setUri(null).build();
    return eventSerde.serializer().serialize("images", e);
  }

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.UTF_8);
  }

  private DenseFeatures dense(TestRecord<byte[], byte[]> r) {
    return denseSerde.deserializer().deserialize("features.dense", r.value());
  }

  private ImageEmbedding embedding(TestRecord<byte[], byte[]> r) {
    return embeddingSerde.deserializer().deserialize("features.embeddings", r.value());
  }

  private static String header(Headers h, String key) {
    Header last = h.lastHeader(key);
    return last == null ? null : new String(last.value(), StandardCharsets.UTF_8);
  }

  /** Issue 22: the file two deaths while processing offset 0 of partition 0 leave behind, as the breaker writes it. */
  private static void diedWhileProcessingOffsetZero(AppConfig cfg, int times) {
    CrashLoopBreaker breaker = CrashLoopBreaker.of(cfg);
    for (int i = 0; i < times; i++) {
      breaker.begin(cfg.topics().input(), 0, 0); // and no end(): the instance died
    }
  }

  @Test
  void aRecordOnWhichTheInstanceDiedTwiceInARowIsADeadLetterAndTheNextOneIsProcessed(@TempDir Path tmp) {
    AppConfig cfg = config(Map.of(AppConfig.TEMP_DIR_KEY, tmp.toString()));
    diedWhileProcessingOffsetZero(cfg, 2);
    start(cfg);
    byte[] first = event("img-1", "cam-1", TestImages.pattern(56, 42, 1, "png"));
    input.pipeInput(key("cam-1"), first);
    input.pipeInput(key("cam-1"), event("img-2", "cam-1", TestImages.pattern(56, 42, 2, "png")));
    TestRecord<byte[], byte[]> r = dlq.readRecord();
    assertEquals("process", header(r.headers(), DeadLetterRouter.STAGE));
    assertEquals("CRASH_LOOP", header(r.headers(), DeadLetterRouter.REASON));
    assertTrue(header(r.headers(), DeadLetterRouter.MESSAGE).contains("died 2 times in a row"),
        header(r.headers(), DeadLetterRouter.MESSAGE));
    assertArrayEquals(first, r.value(), "the dead letter carries the original bytes");
    assertTrue(dlq.isEmpty());
    assertEquals("img-2", dense(dense.readRecord()).getImageId());
    assertTrue(dense.isEmpty(), "the crash-looping image produced nothing");
    assertFalse(Files.exists(CrashLoopBreaker.of(cfg).file(cfg.topics().input(), 0)), "nothing left in process");
  }

  @Test
  void aRecordOnWhichTheInstanceDiedOnceIsTriedAgain(@TempDir Path tmp) {
    AppConfig cfg = config(Map.of(AppConfig.TEMP_DIR_KEY, tmp.toString()));
    diedWhileProcessingOffsetZero(cfg, 1);
    start(cfg);
    input.pipeInput(key("cam-1"), event("img-1", "cam-1", TestImages.pattern(56, 42, 1, "png")));
    assertEquals("img-1", dense(dense.readRecord()).getImageId());
    assertTrue(dlq.isEmpty());
  }

  @Test
  void producesOneDenseAndOneEmbeddingPerImageWithLineageAndPreprocessing() {
    start(config(Map.of()));
    input.pipeInput(key("cam-1"), event("img-1", "cam-1", TestImages.pattern(56, 42, 1, "png")));

    TestRecord<byte[], byte[]> d = dense.readRecord();
    assertEquals("cam-1", new String(d.key(), StandardCharsets.UTF_8));
    DenseFeatures f = dense(d);
    assertEquals("img-1", f.getImageId());
    assertEquals("cam-1", f.getSourceId());
    assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), f.getCaptureTimestamp());
    assertEquals(FakeModels.NOW, f.getProcessedTimestamp());
    assertEquals(FakeModels.LINEAGE, f.getLineage());
    assertEquals(List.of(FakeModels.C, FakeModels.INPUT, FakeModels.INPUT), f.getHeader().getShape());
    assertEquals(dev.anyup.streams.avro.DType.FLOAT32, f.getHeader().getDtype());
    assertEquals("CHW", f.getHeader().getLayout());
    assertEquals(FakeModels.C * FakeModels.INPUT * FakeModels.INPUT * 4, f.getTensor().remaining());
    var pre = f.getPreprocessing();
    assertEquals(56, pre.getSourceWidth());
    assertEquals(42, pre.getSourceHeight());
    assertEquals(FakeModels.INPUT, pre.getInputWidth());
    assertEquals("SHORTER_SIDE_CENTER_CROP", pre.getResizeMode());
    // shorter side 42 → 28, then a centred square crop: the crop box maps onto the whole 28×28 input
    assertEquals(28.0 / 42.0, pre.getScaleY(), 1e-9);
    assertEquals(FakeModels.INPUT, pre.getCropWidth() * pre.getScaleX(), 1e-6);
    // centred up to the whole-target-pixel crop offset (one target pixel = 1.5 source pixels)
    assertEquals(28.0, pre.getCropX() + pre.getCropWidth() / 2, 1.5);
    assertEquals(42.0, pre.getCropHeight(), 1e-9);

    ImageEmbedding e = embedding(embeddings.readRecord());
    assertEquals("img-1", e.getImageId());
    assertEquals(FakeModels.LINEAGE, e.getLineage());
    assertEquals(FakeModels.C, e.getDimension());
    assertEquals("cls", e.getVectorKind());
    double norm = e.getVector().stream().mapToDouble(v -> v * v).sum();
    assertEquals(1.0, norm, 1e-5);
    assertTrue(dlq.isEmpty());
    assertEquals(1.0, metrics.imagesAttempted());
  }

  @Test
  void preservesKeysAndPerKeyOrderOnBothOutputs() {
    start(config(Map.of()));
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String source = "cam-" + (i % 3);
      String id = source + "/frame-" + i;
      sent.add(source + ":" + id);
      input.pipeInput(key(source), event(id, source, TestImages.pattern(40, 30, i, i % 2 == 0 ? "png" : "jpg")));
    }
    List<String> denseOrder = dense.readRecordsToList().stream()
        .map(r -> new String(r.key(), StandardCharsets.UTF_8) + ":" + dense(r).getImageId()).toList();
    List<String> embeddingOrder = embeddings.readRecordsToList().stream()
        .map(r -> new String(r.key(), StandardCharsets.UTF_8) + ":" + embedding(r).getImageId()).toList();
    assertEquals(sent, denseOrder);
    assertEquals(sent, embeddingOrder);
  }

  @Test
  void routesNullValueToDeadLettersAtStageDeserialize() {
    start(config(Map.of()));
    input.pipeInput(key("cam-1"), (byte[]) null);
    TestRecord<byte[], byte[]> r = dlq.readRecord();
    assertArrayEquals(key("cam-1"), r.key());
    assertNull(r.value());
    assertEquals("deserialize", header(r.headers(), DeadLetterRouter.STAGE));
    assertEquals("NULL_VALUE", header(r.headers(), DeadLetterRouter.REASON));
    assertEquals(NoImageException.class.getName(), header(r.headers(), DeadLetterRouter.EXCEPTION),
        "a tombstone is not a bug in the pipeline");
    assertEquals("record value is null (tombstones carry no image)", header(r.headers(), DeadLetterRouter.MESSAGE));
    assertTrue(dense.isEmpty() && embeddings.isEmpty());
  }

  @Test
  void routesGarbageBytesWrongMagicByteAndUnknownSchemaIdToDeadLettersWithOriginalBytes() {
    start(config(Map.of()));
    byte[] good = event("img-ok", "cam", TestImages.pattern(32, 32, 5, "png"));
    byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
    byte[] wrongMagic = good.clone();
    wrongMagic[0] = 7;
    byte[] unknownId = good.clone();
    ByteBuffer.wrap(unknownId).putInt(1, 987_654);
    for (byte[] bad : List.of(garbage, wrongMagic, unknownId)) {
      input.pipeInput(key("k"), bad);
    }
    input.pipeInput(key("k"), good);

    List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
    assertEquals(3, letters.size());
    assertArrayEquals(garbage, letters.get(0).value());
    assertArrayEquals(wrongMagic, letters.get(1).value());
    assertArrayEquals(unknownId, letters.get(2).value());
    for (var r : letters) {
      assertArrayEquals(key("k"), r.key());
      assertEquals("deserialize", header(r.headers(), DeadLetterRouter.STAGE));
      assertTrue(isSerializationException(header(r.headers(), DeadLetterRouter.EXCEPTION)),
          header(r.headers(), DeadLetterRouter.EXCEPTION));
      assertEquals("images", header(r.headers(), DeadLetterRouter.TOPIC));
      assertEquals("0", header(r.headers(), DeadLetterRouter.PARTITION));
    }
    assertEquals(List.of("0", "1", "2"),
        letters.stream().map(r -> header(r.headers(), DeadLetterRouter.OFFSET)).toList());
    assertEquals(List.of("MAGIC_BYTE", "MAGIC_BYTE", "UNKNOWN_SCHEMA"),
        letters.stream().map(r -> header(r.headers(), DeadLetterRouter.REASON)).toList());
    assertEquals("img-ok", dense(dense.readRecord()).getImageId());
    assertEquals(3.0, metrics.deadLetters(Stage.DESERIALIZE));
  }

  private static boolean isSerializationException(String className) {
    try {
      return org.apache.kafka.common.errors.SerializationException.class.isAssignableFrom(Class.forName(className));
    } catch (ClassNotFoundException e) {
      throw new AssertionError("no such exception class " + className, e);
    }
  }

  @Test
  void routesCorruptTruncatedOversizedAndEmptyImagesToDeadLettersAtStageDecode() {
    start(config(Map.of("limits.image.max.pixels", "10000")));
    byte[] png = TestImages.pattern(64, 48, 2, "png");
    Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
    bad.put("corrupt", TestImages.corruptJpeg());
    bad.put("truncated", TestImages.truncated(png, 0.5));
    bad.put("oversized", TestImages.pattern(200, 100, 1, "png"));
    bad.put("empty", new byte[0]);
    bad.put("not-an-image", "hello".getBytes(StandardCharsets.UTF_8));
    for (var e : bad.entrySet()) {
      input.pipeInput(key(e.getKey()), event(e.getKey(), "cam", e.getValue()));
      input.pipeInput(key(e.getKey()), event(e.getKey() + "-ok", "cam", png));
    }
    List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
    assertEquals(bad.keySet().stream().toList(),
        letters.stream().map(r -> header(r.headers(), DeadLetterRouter.IMAGE_ID)).toList());
    for (var r : letters) {
      assertEquals("decode", header(r.headers(), DeadLetterRouter.STAGE));
      String id = header(r.headers(), DeadLetterRouter.IMAGE_ID);
      assertArrayEquals(event(id, "cam", bad.get(id)), r.value(), "original bytes for " + id);
      assertTrue(header(r.headers(), DeadLetterRouter.MESSAGE).contains(id),
          "message names the image: " + header(r.headers(), DeadLetterRouter.MESSAGE));
    }
    assertEquals(List.of("CORRUPT", "CORRUPT", "TOO_MANY_PIXELS", "UNSUPPORTED_FORMAT", "UNSUPPORTED_FORMAT"),
        letters.stream().map(r -> header(r.headers(), DeadLetterRouter.REASON)).toList());
    assertEquals(bad.size(), dense.readRecordsToList().size());
    assertEquals(bad.size(), embeddings.readRecordsToList().size());
  }

  @Test
  void routesAModelFailureOnOneImageToDeadLettersAtStageInferenceAndProcessesItsNeighbours() {
    start(config(Map.of()));
    input.pipeInput(key("a"), event("before", "a", TestImages.pattern(32, 32, 1, "png")));
    input.pipeInput(key("a"), event("poison", "a", TestImages.solid(32, 32, Color.BLACK, "png")));
    input.pipeInput(key("a"), event("after", "a", TestImages.pattern(32, 32, 2, "png")));
    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertEquals("inference", header(letter.headers(), DeadLetterRouter.STAGE));
    assertEquals("MODEL_ERROR", header(letter.headers(), DeadLetterRouter.REASON));
    assertEquals(dev.anyup.streams.models.ModelException.class.getName(),
        header(letter.headers(), DeadLetterRouter.EXCEPTION));
    assertEquals("poison", header(letter.headers(), DeadLetterRouter.IMAGE_ID));
    assertEquals(List.of("before", "after"), dense.readRecordsToList().stream().map(r -> dense(r).getImageId())
        .toList());
  }

  @Test
  void routesARecordTooLargeForTheProducerToDeadLettersAtStageProduceWithoutPartialOutput() {
    // 4×28×28 float32 = 12.5 KB dense; the embedding (~0.3 KB) would fit, but an image is all-or-nothing
    start(config(Map.of("producer.max.request.size", "4000")));
    byte[] value = event("big", "cam", TestImages.pattern(32, 32, 1, "png"));
    input.pipeInput(key("cam"), value);
    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertEquals("produce", header(letter.headers(), DeadLetterRouter.STAGE));
    assertEquals("RECORD_TOO_LARGE", header(letter.headers(), DeadLetterRouter.REASON));
    assertTrue(header(letter.headers(), DeadLetterRouter.MESSAGE).contains("max.request.size 4000"));
    assertArrayEquals(value, letter.value());
    assertTrue(dense.isEmpty());
    assertTrue(embeddings.isEmpty());
  }

  @Test
  void routesAnEncodingFailureToDeadLettersAtStageEncode() {
    // a projection for 5 channels cannot apply to the fake model's 4
    Projection wrong = new Projection("bad5", 5, 2, new float[10], null);
    start(config(Map.of("output.projection", "bad5")), wrong);
    input.pipeInput(key("cam"), event("x", "cam", TestImages.pattern(32, 32, 1, "png")));
    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertEquals("encode", header(letter.headers(), DeadLetterRouter.STAGE));
    assertTrue(dense.isEmpty() && embeddings.isEmpty());
  }

  @Test
  void appliesTheConfiguredDtypeProjectionAndOutputSize() {
    Projection pca2 = new Projection("pca2", 4, 2, new float[] {1, 0, 0, 0, 0, 1, 0, 0}, null);
    start(config(Map.of("output.projection", "pca2", "output.dense.dtype", "INT8", "output.dense.size", "14",
        "output.regions.grid", "2")), pca2);
    input.pipeInput(key("cam"), event("x", "cam", TestImages.pattern(32, 32, 1, "png")));
    DenseFeatures f = dense(dense.readRecord());
    assertEquals(List.of(2, 14, 14), f.getHeader().getShape());
    assertEquals(dev.anyup.streams.avro.DType.INT8, f.getHeader().getDtype());
    assertEquals("pca2", f.getHeader().getProjectionId());
    assertEquals(2, f.getHeader().getScales().size());
    assertEquals(2 * 14 * 14, f.getTensor().remaining());
    ImageEmbedding e = embedding(embeddings.readRecord());
    assertEquals(2, e.getRegionGrid());
    assertEquals(4, e.getRegions().size());
  }

  @Test
  void publishesOnlyTheEnabledOutputs() {
    start(config(Map.of("output.dense.enabled", "false")));
    input.pipeInput(key("cam"), event("x", "cam", TestImages.pattern(32, 32, 1, "png")));
    assertEquals(1, embeddings.readRecordsToList().size());
    assertTrue(dlq.isEmpty());
    assertTrue(driver.producedTopicNames().stream().noneMatch("features.dense"::equals));
  }

  @Test
  void countsDeadLettersByStageAndReason() {
    start(config(Map.of()));
    input.pipeInput(key("a"), (byte[]) null);
    input.pipeInput(key("a"), event("e", "a", new byte[0]));
    assertEquals(1.0, metrics.deadLetters(Stage.DESERIALIZE));
    assertEquals(1.0, metrics.deadLetters(Stage.DECODE));
    assertEquals(2.0, metrics.deadLetters());
    assertEquals(1.0, metrics.registry().get("anyup.dead.letters").tag("reason", "NULL_VALUE").counter().count());
  }

  @Test
  void processesA20000By2StripWithTheDefaultSideLimit() {
    // issue 10: a fixed 16,384-pixel side limit refused this valid strip
    start(config(Map.of()));
    input.pipeInput(key("cam"), event("strip", "cam", TestImages.pattern(20_000, 2, 1, "png")));
    DenseFeatures f = dense(dense.readRecord());
    assertEquals("strip", f.getImageId());
    assertEquals(20_000, f.getPreprocessing().getSourceWidth());
    assertEquals(2, f.getPreprocessing().getSourceHeight());
    assertTrue(dlq.isEmpty());
  }

  @Test
  void routesAnImageOverTheConfiguredSideLimitToDeadLettersAsBadDimensions() {
    start(config(Map.of("limits.image.max.side", "10000")));
    input.pipeInput(key("cam"), event("strip", "cam", TestImages.pattern(20_000, 2, 1, "png")));
    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertEquals("decode", header(letter.headers(), DeadLetterRouter.STAGE));
    assertEquals("BAD_DIMENSIONS", header(letter.headers(), DeadLetterRouter.REASON));
    assertTrue(header(letter.headers(), DeadLetterRouter.MESSAGE).contains("10000x10000"),
        header(letter.headers(), DeadLetterRouter.MESSAGE));
  }

  /** The record from issue 10: 97 bytes whose Avro image length claims 2,000,000,000 bytes. */
  private byte[] poisonEvent() {
    byte[] good = event("poison", "cam", new byte[] {1, 2, 3});
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(good, 0, 5); // the registered ImageEvent schema id
    var e = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    try {
      e.writeString("poison");
      e.writeString("cam");
      e.writeLong(1_700_000_000_000L);
      e.writeString("image/png");
      e.writeLong(2_000_000_000L);
      e.flush();
    } catch (java.io.IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    return java.util.Arrays.copyOf(out.toByteArray(), 97);
  }

  @Test
  void routesThe97BytePoisonRecordToDeadLettersAsTooLargeAndProcessesTheNextRecord() {
    start(config(Map.of()));
    byte[] poison = poisonEvent();
    input.pipeInput(key("cam"), poison);
    input.pipeInput(key("cam"), event("next", "cam", TestImages.pattern(32, 32, 3, "png")));

    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertArrayEquals(poison, letter.value());
    assertEquals("deserialize", header(letter.headers(), DeadLetterRouter.STAGE));
    assertEquals("TOO_LARGE", header(letter.headers(), DeadLetterRouter.REASON));
    assertEquals(dev.anyup.streams.serdes.PayloadTooLargeException.class.getName(),
        header(letter.headers(), DeadLetterRouter.EXCEPTION));
    assertTrue(header(letter.headers(), DeadLetterRouter.MESSAGE).contains("2000000000"),
        header(letter.headers(), DeadLetterRouter.MESSAGE));
    assertEquals("next", dense(dense.readRecord()).getImageId());
    assertTrue(dlq.isEmpty());
  }

  @Test
  void deadLettersKeepTheInputRecordsHeadersBesideTheirOwn() {
    start(config(Map.of()));
    Headers in = new org.apache.kafka.common.header.internals.RecordHeaders();
    in.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
    in.add("tenant", "acme".getBytes(StandardCharsets.UTF_8));
    in.add(DeadLetterRouter.REASON, "STALE_FROM_AN_EARLIER_DEAD_LETTER".getBytes(StandardCharsets.UTF_8));
    input.pipeInput(new TestRecord<>(key("cam"), event("bad", "cam", new byte[0]), in));

    TestRecord<byte[], byte[]> letter = dlq.readRecord();
    assertEquals("00-abc-def-01", header(letter.headers(), "traceparent"));
    assertEquals("acme", header(letter.headers(), "tenant"));
    assertEquals("UNSUPPORTED_FORMAT", header(letter.headers(), DeadLetterRouter.REASON));
    int reasons = 0;
    for (Header h : letter.headers().headers(DeadLetterRouter.REASON)) {
      reasons++;
    }
    assertEquals(1, reasons, "a stale anyup.dlq.reason from the input is not carried over");
  }
}
