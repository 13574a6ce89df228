package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.frames.FrameGate;
import dev.anyup.streams.topology.frames.FrameMetrics;
import dev.anyup.streams.topology.frames.SkipReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The frame gate in the topology (issue 12): freshness, per-source sampling, accounting, order, restart. */
class FramePolicyTopologyTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String registry = "mock://frames-test-" + UUID.randomUUID();
  private final AtomicLong wallClock = new AtomicLong(T0);
  private PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
  private final List<TopologyTestDriver> drivers = new ArrayList<>();
  private final List<ImagePipeline> pipelines = new ArrayList<>();
  private AppConfig cfg;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> dense;
  private TestOutputTopic<byte[], byte[]> embeddings;
  private TestOutputTopic<byte[], byte[]> dlq;
  private TestOutputTopic<byte[], byte[]> skipped;
  private SpecificAvroSerde<ImageEvent> eventSerde;
  private SpecificAvroSerde<DenseFeatures> denseSerde;

  private void start(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url", registry,
        "output.dense.dtype", "FLOAT32", "batch.max.wait.ms", "0", "limits.image.max.bytes", "200000",
        "application.id", "frames-test"));
    m.putAll(extra);
    cfg = AppConfig.fromMap(m);
    ImagePipeline pipeline = FakeModels.pipeline(cfg, metrics);
    pipelines.add(pipeline);
    var topology = AnyupTopology.build(cfg, TopologySerdes.avro(cfg), pipeline, metrics, System::nanoTime,
        wallClock::get);
    driver = new TopologyTestDriver(topology, cfg.streamsProperties());
    drivers.add(driver);
    var bs = new ByteArraySerializer();
    var bd = new ByteArrayDeserializer();
    input = driver.createInputTopic(cfg.topics().input(), bs, bs);
    dense = driver.createOutputTopic(cfg.topics().dense(), bd, bd);
    embeddings = driver.createOutputTopic(cfg.topics().embeddings(), bd, bd);
    dlq = driver.createOutputTopic(cfg.topics().dlq(), bd, bd);
    skipped = driver.createOutputTopic("frames.skipped", bd, bd);
    eventSerde = new SpecificAvroSerde<>(ImageEvent.class);
    eventSerde.configure(Map.of("schema.registry.url", registry), false);
    denseSerde = new SpecificAvroSerde<>(DenseFeatures.class);
    denseSerde.configure(Map.of("schema.registry.url", registry), false);
  }

  @AfterEach
  void close() {
    drivers.forEach(TopologyTestDriver::close);
    pipelines.forEach(ImagePipeline::close);
  }

  private void send(String source, String id, long captureMillis) {
    send(source, id, captureMillis, TestImages.pattern(32, 32, id.hashCode() & 7, "png"));
  }

  private void send(String source, String id, long captureMillis, byte[] image) {
    ImageEvent e = ImageEvent.newBuilder().setImageId(id).setSourceId(source)
        .setCaptureTimestamp(Instant.ofEpochMilli(captureMillis)).setContentType("image/png")
        .setImage(ByteBuffer.wrap(image)).setAttributes(Map.of()).setUri(null).build();
    input.pipeInput(source.getBytes(StandardCharsets.UTF_8), eventSerde.serializer().serialize("images", e));
  }

  private List<String> denseIds() {
    List<String> ids = new ArrayList<>();
    for (TestRecord<byte[], byte[]> r : dense.readRecordsToList()) {
      ids.add(denseSerde.deserializer().deserialize("features.dense", r.value()).getImageId());
    }
    return ids;
  }

  private List<JsonNode> skippedRecords() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (TestRecord<byte[], byte[]> r : skipped.readRecordsToList()) {
      out.add(JSON.readTree(r.value()));
    }
    return out;
  }

  private double skippedCount(SkipReason reason, String source) {
    var c = metrics.registry().find("anyup.frames.skipped").tag("reason", reason.name()).tag("source", source)
        .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void addsNoGateNoStoreAndNoSkippedSinkWhenBothLimitsAreOff() {
    start(Map.of());
    String description = driver.producedTopicNames().toString() + AnyupTopology.build(cfg, TopologySerdes.avro(cfg),
        pipelines.get(0), metrics).describe();
    assertFalse(description.contains(FrameGate.NAME), description);
    assertFalse(description.contains(FrameGate.STORE), description);
  }

  @Test
  void skipsAFrameOlderThanMaxAgeBeforeDecodingItAndPublishesTheSkippedRecord() throws IOException {
    start(Map.of("frames.max.age.ms", "1000", "frames.skipped.topic", "frames.skipped"));
    wallClock.set(T0 + 10_000);
    // a corrupt image would be a decode dead letter: stale, it is skipped before anything decodes it
    send("cam-1", "stale-corrupt", T0, TestImages.corruptJpeg());
    send("cam-1", "fresh", T0 + 9_500);
    send("cam-1", "exactly-at-limit", T0 + 9_000);

    assertEquals(List.of("fresh", "exactly-at-limit"), denseIds());
    assertEquals(2, embeddings.readRecordsToList().size());
    assertTrue(dlq.isEmpty(), "nothing decoded the stale corrupt frame");
    List<JsonNode> s = skippedRecords();
    assertEquals(1, s.size());
    JsonNode r = s.get(0);
    assertEquals("stale-corrupt", r.get("image_id").asText());
    assertEquals("cam-1", r.get("source_id").asText());
    assertEquals(T0, r.get("event_time").asLong());
    assertEquals(10_000, r.get("age_ms").asLong());
    assertEquals("STALE", r.get("reason").asText());
    assertEquals(1000, r.get("limit_ms").asLong());
    assertEquals(1.0, skippedCount(SkipReason.STALE, "cam-1"));
  }

  @Test
  void countsSkippedFramesWithoutPublishingWhenNoSkippedTopicIsSet() {
    start(Map.of("frames.max.age.ms", "1000"));
    wallClock.set(T0 + 5_000);
    send("cam-1", "old-1", T0);
    send("cam-2", "old-2", T0);
    send("cam-2", "old-3", T0 + 1);
    assertTrue(dense.isEmpty());
    assertTrue(skipped.isEmpty());
    assertEquals(1.0, skippedCount(SkipReason.STALE, "cam-1"));
    assertEquals(2.0, skippedCount(SkipReason.STALE, "cam-2"));
    assertEquals(3.0, new FrameMetrics(metrics.registry()).skipped());
  }

  @Test
  void outputsPlusSkippedPlusDeadLettersEqualInputsAndEachSourceKeepsItsOrder() throws IOException {
    start(Map.of("frames.max.age.ms", "2000", "frames.min.interval.ms", "300", "frames.skipped.topic",
        "frames.skipped"));
    wallClock.set(T0 + 10_000);
    int inputs = 0;
    for (int i = 0; i < 60; i++) {
      String source = "cam-" + (i % 3);
      long capture = T0 + 7_000 + i * 50L; // age 3000 - 30 i ms: the first 34 are stale
      String id = source + "-" + i;
      if (i % 17 == 5) {
        input.pipeInput(source.getBytes(StandardCharsets.UTF_8), "garbage".getBytes(StandardCharsets.UTF_8));
      } else if (i % 13 == 7) {
        send(source, id, capture, TestImages.corruptJpeg());
      } else {
        send(source, id, capture);
      }
      inputs++;
      wallClock.addAndGet(20);
    }
    Map<String, List<String>> actualPerSource = new LinkedHashMap<>();
    List<TestRecord<byte[], byte[]>> out = dense.readRecordsToList();
    for (TestRecord<byte[], byte[]> r : out) {
      String id = denseSerde.deserializer().deserialize("features.dense", r.value()).getImageId();
      actualPerSource.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(id);
    }
    int outputs = out.size();
    int skippedFrames = skippedRecords().size();
    int deadLetters = dlq.readRecordsToList().size();
    assertEquals(outputs, embeddings.readRecordsToList().size());
    assertTrue(outputs > 0 && skippedFrames > 0 && deadLetters > 0,
        "all three kinds occur: " + outputs + " / " + skippedFrames + " / " + deadLetters);
    assertEquals(inputs, outputs + skippedFrames + deadLetters);
    assertEquals(skippedFrames, new FrameMetrics(metrics.registry()).skipped(), 1e-9);
    for (Map.Entry<String, List<String>> e : actualPerSource.entrySet()) {
      List<Integer> seq = e.getValue().stream().map(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)))
          .toList();
      List<Integer> sorted = new ArrayList<>(seq);
      sorted.sort(null);
      assertEquals(sorted, seq, "per-source output order of " + e.getKey());
    }
  }

  @Test
  void samplesAtMostOneFramePerSourcePerIntervalByEventTime() throws IOException {
    start(Map.of("frames.min.interval.ms", "250", "frames.skipped.topic", "frames.skipped"));
    for (int i = 0; i < 10; i++) {
      send("cam-a", "a-" + (i * 100), T0 + i * 100L);
      send("cam-b", "b-" + (i * 100), T0 + 50 + i * 100L);
    }
    // 0, 300, 600, 900 per source: each at least 250 after the previous processed one
    assertEquals(List.of("a-0", "b-0", "a-300", "b-300", "a-600", "b-600", "a-900", "b-900"), denseIds());
    List<JsonNode> s = skippedRecords();
    assertEquals(12, s.size());
    assertTrue(s.stream().allMatch(r -> r.get("reason").asText().equals("SAMPLED")));
    assertEquals(6.0, skippedCount(SkipReason.SAMPLED, "cam-a"));
    assertEquals(6.0, skippedCount(SkipReason.SAMPLED, "cam-b"));
  }

  @Test
  void aFrameWithAnEarlierEventTimeThanTheLastProcessedOneIsSampledOut() {
    start(Map.of("frames.min.interval.ms", "250"));
    send("cam", "late-start", T0 + 1_000);
    send("cam", "out-of-order", T0);
    send("cam", "next", T0 + 1_250);
    assertEquals(List.of("late-start", "next"), denseIds());
  }

  @Test
  void aStaleFrameDoesNotUseUpItsSourcesSamplingInterval() {
    start(Map.of("frames.max.age.ms", "1000", "frames.min.interval.ms", "500"));
    wallClock.set(T0 + 2_000);
    send("cam", "stale", T0 + 900);
    send("cam", "fresh", T0 + 1_100);
    assertEquals(List.of("fresh"), denseIds());
    assertEquals(1.0, skippedCount(SkipReason.STALE, "cam"));
    assertEquals(0.0, skippedCount(SkipReason.SAMPLED, "cam"));
  }

  @Test
  void aRestartedInstanceRestoredFromTheChangelogKeepsTheSamplingIntervalOfEachSource() {
    Map<String, String> settings = Map.of("frames.min.interval.ms", "1000");
    start(settings);
    send("cam-a", "a-0", T0);
    send("cam-b", "b-0", T0 + 600);
    assertEquals(List.of("a-0", "b-0"), denseIds());
    String changelog = "frames-test-" + FrameGate.STORE + "-changelog";
    List<KeyValue<Bytes, Long>> logged = new ArrayList<>();
    var entries = driver.createOutputTopic(changelog, new ByteArrayDeserializer(), new LongDeserializer())
        .readKeyValuesToList();
    entries.forEach(kv -> logged.add(KeyValue.pair(Bytes.wrap(kv.key), kv.value)));
    assertEquals(2, logged.size(), "one changelog entry per processed frame");

    // a new instance (fresh driver, empty store) whose store is restored from that changelog, as Kafka Streams does
    start(settings);
    KeyValueStore<Bytes, Long> store = driver.getKeyValueStore(FrameGate.STORE);
    logged.forEach(kv -> store.put(kv.key, kv.value));
    send("cam-a", "a-500", T0 + 500); // within cam-a's interval: not doubled by the restart
    send("cam-b", "b-1100", T0 + 1_100); // within cam-b's interval
    send("cam-a", "a-1000", T0 + 1_000); // cam-a's next interval: not skipped whole
    send("cam-b", "b-1600", T0 + 1_600);
    assertEquals(List.of("a-1000", "b-1600"), denseIds());
  }

  @Test
  void withoutTheRestoredStoreTheSameFramesWouldAllBeProcessed() {
    // the control for the restart test: the decision really comes from the store
    start(Map.of("frames.min.interval.ms", "1000"));
    send("cam-a", "a-500", T0 + 500);
    send("cam-b", "b-1100", T0 + 1_100);
    assertEquals(List.of("a-500", "b-1100"), denseIds());
  }

  @Test
  void recordsTheAgeOfEachProcessedFrameAtProcessingTime() {
    start(Map.of());
    long capture = FakeModels.NOW.toEpochMilli() - 1_500;
    send("cam", "one", capture);
    send("cam", "two", capture + 1_000);
    send("cam-late", "three", capture - 3_000);
    var age = metrics.frameAge("cam");
    assertEquals(2, age.count());
    assertEquals(1_500, age.max(TimeUnit.MILLISECONDS), 1e-6);
    assertEquals(2_000, age.totalTime(TimeUnit.MILLISECONDS), 1e-6);
    // per source: the lagging camera has its own series
    assertEquals(1, metrics.frameAge("cam-late").count());
    assertEquals(4_500, metrics.frameAge("cam-late").max(TimeUnit.MILLISECONDS), 1e-6);
  }
}
