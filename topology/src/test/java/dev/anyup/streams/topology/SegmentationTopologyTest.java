package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFile;
import dev.anyup.streams.segmentation.SegmentationHeads;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The segmentation heads in the topology: label-map records, and concepts defined live through the global topic. */
class SegmentationTopologyTest {
  private static final String ENCODER_SHA = FakeModels.LINEAGE.getEncoderModel().getSha256();
  private static final String CONCEPTS = "segmentation.concepts";

  private final String registryUrl = "mock://segmentation-test-" + UUID.randomUUID();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final PipelineMetrics metrics = new PipelineMetrics(registry);
  private final List<SegmentationMap> tapped = new ArrayList<>();
  @TempDir Path dir;
  private TopologyTestDriver driver;
  private ImagePipeline pipeline;
  private TestInputTopic<byte[], byte[]> input;
  private TestInputTopic<byte[], byte[]> concepts;
  private TestOutputTopic<byte[], byte[]> segments;
  private TestOutputTopic<byte[], byte[]> dense;
  private TestOutputTopic<byte[], byte[]> dlq;
  private SpecificAvroSerde<ImageEvent> eventSerde;
  private SpecificAvroSerde<Concept> conceptSerde;
  private SpecificAvroSerde<SegmentationMap> segmentSerde;
  private SpecificAvroSerde<DenseFeatures> denseSerde;

  private AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "unused:9092",
        "schema.registry.url", registryUrl, "output.dense.dtype", "FLOAT32", "batch.max.wait.ms", "0",
        "limits.image.max.bytes", "200000", "limits.image.max.pixels", "1000000"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  private SegmentationHead head(AppConfig cfg) {
    return SegmentationHeads.create(cfg, FakeModels.C, ENCODER_SHA, TopologySerdes.avro(cfg).concepts(), registry,
        () -> FakeModels.NOW.toEpochMilli());
  }

  private void start(AppConfig cfg) {
    SegmentationHead head = head(cfg);
    pipeline = FakeModels.pipeline(cfg, metrics, null, head);
    var serdes = TopologySerdes.avro(cfg);
    OutputTap tap = new OutputTap() {
      @Override
      public void processed(ImageEvent event, DenseFeatures d) {}

      @Override
      public void segmented(ImageEvent event, SegmentationMap map) {
        tapped.add(map);
      }

      @Override
      public void deadLettered(DeadLetter deadLetter) {}
    };
    var topology = AnyupTopology.build(cfg, serdes, pipeline, metrics, System::nanoTime,
        () -> FakeModels.NOW.toEpochMilli(), tap);
    Properties p = cfg.streamsProperties();
    driver = new TopologyTestDriver(topology, p);
    var bs = new ByteArraySerializer();
    var bd = new ByteArrayDeserializer();
    input = driver.createInputTopic(cfg.topics().input(), bs, bs);
    concepts = driver.createInputTopic(cfg.segmentation().conceptsTopic(), bs, bs);
    segments = driver.createOutputTopic(cfg.segmentation().topic(), bd, bd);
    dense = driver.createOutputTopic(cfg.topics().dense(), bd, bd);
    dlq = driver.createOutputTopic(cfg.topics().dlq(), bd, bd);
    eventSerde = serde(ImageEvent.class);
    conceptSerde = serde(Concept.class);
    segmentSerde = serde(SegmentationMap.class);
    denseSerde = serde(DenseFeatures.class);
  }

  private <T extends org.apache.avro.specific.SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
    SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type);
    s.configure(Map.of("schema.registry.url", registryUrl), false);
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

  private byte[] event(String id, byte[] image) {
    ImageEvent e = ImageEvent.newBuilder().setImageId(id).setSourceId("cam-1")
        .setCaptureTimestamp(Instant.ofEpochMilli(1_700_000_000_000L)).setContentType("image/png")
        .setImage(ByteBuffer.wrap(image)).setAttributes(Map.of()).setUri(null).build();
    return eventSerde.serializer().serialize("images", e);
  }

  private static byte[] key(String k) {
    return k.getBytes(StandardCharsets.UTF_8);
  }

  private SegmentationMap segments(TestRecord<byte[], byte[]> r) {
    return segmentSerde.deserializer().deserialize(CONCEPTS, r.value());
  }

  /** Sends {@code image} as image {@code id} and returns its one label-map record. */
  private SegmentationMap labelled(String id, byte[] image) {
    input.pipeInput(key("cam-1"), event(id, image));
    assertTrue(dlq.isEmpty(), "no dead letter");
    SegmentationMap m = segments(segments.readRecord());
    assertTrue(segments.isEmpty(), "one label map per image");
    return m;
  }

  private static Concept concept(String name, List<float[]> prototypes, double threshold) {
    List<List<Float>> protos = new ArrayList<>();
    for (float[] p : prototypes) {
      List<Float> l = new ArrayList<>();
      for (float v : p) {
        l.add(v);
      }
      protos.add(l);
    }
    return Concept.newBuilder().setName(name).setPrototypes(protos)
        .setDimension(prototypes.isEmpty() ? FakeModels.C : prototypes.get(0).length).setThreshold(threshold)
        .setEncoderSha256(ENCODER_SHA).setUpsamplerSha256("cd34").setCreatedTimestamp(Instant.EPOCH)
        .setCreatedBy("test").build();
  }

  private void define(String key, Concept c) {
    concepts.pipeInput(key(key), conceptSerde.serializer().serialize(CONCEPTS, c));
  }

  private static int[] labels(SegmentationMap m) {
    return LabelPng.readLabels(bytes(m.getLabelPng()));
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private double counter(String name, String tag, String value) {
    Counter c = registry.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  private static float[] mean(FeatureMap f) {
    boolean[] all = new boolean[f.height() * f.width()];
    java.util.Arrays.fill(all, true);
    return ConceptSet.prototype(f, all);
  }

  @Test
  void probeHeadPublishesOneLabelMapPerImageWithTheProbesLabelsAsALosslessPng() throws Exception {
    // three classes over the fake model's 4 channels: each class leans on another channel, so labels vary
    float[] w = {1, -1, 0, 0, -1, 1, 0, 0, 0, 0, 1, -1};
    LinearProbe probe = new LinearProbe("stuff3", "7", List.of("sky", "grass", "road"), FakeModels.C, w,
        new float[] {0.1f, 0, -0.1f});
    Path file = dir.resolve("probe.json");
    ProbeFile.write(file, probe, ENCODER_SHA);
    AppConfig cfg = config(Map.of("segmentation.head", "probe", "segmentation.probe.file", file.toString(),
        "segmentation.confidence.enabled", "true"));
    start(cfg);
    byte[] image = TestImages.pattern(56, 42, 3, "png");

    SegmentationMap m = labelled("img-1", image);

    LabelMap expected = probe.label(FakeModels.featuresOf(image).upsampled(), true);
    assertEquals("img-1", m.getImageId());
    assertEquals("cam-1", m.getSourceId());
    assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), m.getCaptureTimestamp());
    assertEquals(FakeModels.NOW, m.getProcessedTimestamp());
    assertEquals(FakeModels.LINEAGE, m.getLineage());
    assertEquals("probe", m.getHeadKind());
    assertEquals("stuff3", m.getHeadName());
    assertEquals("7", m.getHeadVersion());
    assertEquals(List.of("sky", "grass", "road"), m.getClassNames());
    assertEquals(FakeModels.INPUT, m.getWidth());
    assertEquals(FakeModels.INPUT, m.getHeight());
    assertArrayEquals(expected.labels(), labels(m), "the PNG decodes to exactly the probe's labels");
    assertTrue(java.util.Arrays.stream(expected.labels()).distinct().count() > 1, "the test image has > 1 class");
    long[] counts = expected.counts();
    assertEquals(java.util.Arrays.stream(counts).boxed().toList(), m.getPixelCounts());
    assertEquals((long) FakeModels.INPUT * FakeModels.INPUT, m.getPixelCounts().stream().mapToLong(x -> x).sum());
    int[] confidence = LabelPng.readLabels(bytes(m.getConfidencePng()));
    for (int i = 0; i < confidence.length; i++) {
      assertEquals(expected.confidence()[i] * 255, confidence[i], 0.5 + 1e-3, "confidence at pixel " + i);
    }
    DenseFeatures d = denseSerde.deserializer().deserialize("features.dense", dense.readRecord().value());
    assertEquals(d.getPreprocessing(), m.getPreprocessing(), "maps back to the source like the dense record");
    assertEquals(1.0, metrics.labelMaps());
    assertEquals(List.of(m), tapped, "the output tap saw the forwarded label map");
  }

  @Test
  void probeWithoutConfidenceHasNoConfidencePng() throws Exception {
    LinearProbe probe = new LinearProbe("two", "1", List.of("a", "b"), FakeModels.C, new float[8], new float[2]);
    Path file = dir.resolve("probe.json");
    ProbeFile.write(file, probe, null);
    start(config(Map.of("segmentation.head", "probe", "segmentation.probe.file", file.toString())));

    assertNull(labelled("img-1", TestImages.pattern(40, 40, 1, "png")).getConfidencePng());
  }

  @Test
  void probeWhoseChannelsOrEncoderDifferFromTheBundleIsRefusedNamingBoth() throws Exception {
    Path wide = dir.resolve("wide.json");
    ProbeFile.write(wide, new LinearProbe("wide", "1", List.of("a", "b"), 5, new float[10], new float[2]),
        ENCODER_SHA);
    ConfigException e = assertThrows(ConfigException.class, () -> head(config(Map.of("segmentation.head", "probe",
        "segmentation.probe.file", wide.toString()))));
    assertTrue(e.getMessage().contains("has 5 channels") && e.getMessage().contains("has " + FakeModels.C),
        e.getMessage());

    Path other = dir.resolve("other.json");
    ProbeFile.write(other, new LinearProbe("other", "1", List.of("a", "b"), FakeModels.C, new float[8],
        new float[2]), "ffff");
    e = assertThrows(ConfigException.class, () -> head(config(Map.of("segmentation.head", "probe",
        "segmentation.probe.file", other.toString()))));
    assertTrue(e.getMessage().contains("ffff") && e.getMessage().contains(ENCODER_SHA), e.getMessage());
  }

  @Test
  void conceptsAddedChangedAndRemovedThroughTheGlobalTopicApplyToTheFramesAfterThem() {
    start(config(Map.of("segmentation.head", "concepts", "segmentation.confidence.enabled", "true")));
    byte[] image = TestImages.pattern(56, 42, 2, "png");
    FeatureMap features = FakeModels.featuresOf(image).upsampled();
    int pixels = FakeModels.INPUT * FakeModels.INPUT;

    SegmentationMap before = labelled("img-0", image);
    assertEquals("concepts", before.getHeadKind());
    assertEquals(CONCEPTS, before.getHeadName());
    assertEquals("0", before.getHeadVersion());
    assertEquals(List.of("unknown"), before.getClassNames());
    assertEquals(List.of((long) pixels), before.getPixelCounts());

    // offset 0: "thing", the mean of the whole image's features, threshold 0.9
    Concept thing = concept("thing", List.of(mean(features)), 0.9);
    define("thing", thing);
    SegmentationMap added = labelled("img-1", image);
    assertEquals("1", added.getHeadVersion());
    assertEquals(List.of("unknown", "thing"), added.getClassNames());
    LabelMap expected = new ConceptSet(List.of(new dev.anyup.streams.models.segmentation.Concept("thing",
        List.of(mean(features)), 0.9))).label(features, false);
    assertArrayEquals(expected.labels(), labels(added));
    assertTrue(added.getPixelCounts().get(1) > 0 && added.getPixelCounts().get(1) < pixels,
        "threshold 0.9 takes some pixels, not all: " + added.getPixelCounts());

    // offset 1: the same concept with threshold -1 takes every pixel
    define("thing", concept("thing", List.of(mean(features)), -1));
    SegmentationMap changed = labelled("img-2", image);
    assertEquals("2", changed.getHeadVersion());
    assertEquals(List.of(0L, (long) pixels), changed.getPixelCounts());

    // offset 2: a second concept, names in order; offset 3: "thing" removed by a tombstone
    define("another", concept("another", List.of(new float[] {0, 0, 0, 1}), 1.0));
    assertEquals(List.of("unknown", "another", "thing"), labelled("img-3", image).getClassNames());
    concepts.pipeInput(key("thing"), (byte[]) null);
    SegmentationMap removed = labelled("img-4", image);
    assertEquals("4", removed.getHeadVersion());
    assertEquals(List.of("unknown", "another"), removed.getClassNames());

    assertEquals(3.0, counter("anyup.concepts.applied", "change", "define"));
    assertEquals(1.0, counter("anyup.concepts.applied", "change", "remove"));
    assertEquals(4.0, registry.find("anyup.concepts.version").gauge().value());
    assertEquals(1.0, registry.find("anyup.concepts.count").gauge().value());
  }

  /** A bad record for {@code thing}, after a valid one: its reason, and how to make it. */
  static Stream<Arguments> badConcepts() {
    float[] ok = {1, 2, 3, 4};
    Function<SegmentationTopologyTest, byte[]> garbage = t -> "not avro at all".getBytes(StandardCharsets.UTF_8);
    Function<SegmentationTopologyTest, byte[]> wrongSchema = t -> t.event("img-x",
        TestImages.pattern(8, 8, 1, "png"));
    return Stream.of(
        Arguments.of("not Avro", "MALFORMED", garbage),
        Arguments.of("another schema (an ImageEvent)", "MALFORMED", wrongSchema),
        Arguments.of("name differs from key", "NAME_MISMATCH", avro(concept("other", List.of(ok), 0.5))),
        Arguments.of("no prototype", "EMPTY", avro(concept("thing", List.of(), 0.5))),
        Arguments.of("empty region (empty prototype)", "EMPTY", avro(concept("thing", List.of(new float[0]), 0.5))),
        Arguments.of("NaN prototype", "NOT_FINITE", avro(concept("thing", List.of(new float[] {1, Float.NaN, 0, 0}),
            0.5))),
        Arguments.of("infinite prototype", "NOT_FINITE", avro(concept("thing",
            List.of(new float[] {1, 0, Float.POSITIVE_INFINITY, 0}), 0.5))),
        Arguments.of("all-zero prototype", "ALL_ZERO", avro(concept("thing", List.of(new float[4]), 0.5))),
        Arguments.of("wrong dimension", "WRONG_DIMENSION", avro(concept("thing", List.of(new float[] {1, 2, 3, 4, 5}),
            0.5))),
        Arguments.of("unknown lineage", "UNKNOWN_LINEAGE", avro(withEncoder(concept("thing", List.of(ok), 0.5)))),
        Arguments.of("threshold above 1", "THRESHOLD_OUT_OF_RANGE", avro(concept("thing", List.of(ok), 1.5))),
        Arguments.of("threshold NaN", "THRESHOLD_OUT_OF_RANGE", avro(concept("thing", List.of(ok), Double.NaN))));
  }

  private static Concept withEncoder(Concept c) {
    c.setEncoderSha256("0123456789abcdef");
    return c;
  }

  private static Function<SegmentationTopologyTest, byte[]> avro(Concept c) {
    return t -> t.conceptSerde.serializer().serialize(CONCEPTS, c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConcepts")
  void aBadConceptIsRefusedWithItsReasonAndThePreviousDefinitionStays(String what, String reason,
      Function<SegmentationTopologyTest, byte[]> value) {
    start(config(Map.of("segmentation.head", "concepts")));
    byte[] image = TestImages.pattern(40, 40, 4, "png");
    define("thing", concept("thing", List.of(new float[] {1, 1, 1, 1}), -1));

    concepts.pipeInput(key("thing"), value.apply(this));
    SegmentationMap m = labelled("img-1", image);

    assertEquals(1.0, counter("anyup.concepts.rejected", "reason", reason), what + " counts as " + reason);
    assertEquals(1.0, registry.find("anyup.concepts.rejected").counters().stream().mapToDouble(Counter::count).sum(),
        "one refusal in all");
    assertEquals("1", m.getHeadVersion(), "the refused record at offset 1 is not applied");
    assertEquals(List.of("unknown", "thing"), m.getClassNames(), "thing keeps its previous definition");
    assertEquals(List.of(0L, (long) FakeModels.INPUT * FakeModels.INPUT), m.getPixelCounts(),
        "the previous threshold -1 still takes every pixel");
  }

  @Test
  void theReservedNameUnknownIsRefused() {
    start(config(Map.of("segmentation.head", "concepts")));
    define("unknown", concept("unknown", List.of(new float[] {1, 1, 1, 1}), 0));

    SegmentationMap m = labelled("img-1", TestImages.pattern(40, 40, 4, "png"));

    assertEquals(1.0, counter("anyup.concepts.rejected", "reason", "INVALID_NAME"));
    assertEquals(List.of("unknown"), m.getClassNames());
    assertEquals("0", m.getHeadVersion());
  }

  @Test
  void theBundleKeepsTheUpsampledMapForAHeadEvenWhenTheDenseOutputIsEncodedInTheGraph() {
    Map<String, String> inGraph = Map.of("output.dense.dtype", "FLOAT16", "output.regions.grid", "0");
    assertTrue(!config(inGraph).outputHead().keepUpsampled() && config(inGraph).outputHead().active(),
        "without a head the graph's FLOAT16 head hands back only the dense tensor");
    Map<String, String> withHead = new HashMap<>(inGraph);
    withHead.put("segmentation.head", "concepts");
    assertTrue(config(withHead).outputHead().keepUpsampled(), "the concepts head reads the 32-bit map");
    assertTrue(config(withHead).outputHead().active(), "the dense output is still cast in the graph");
  }

  @Test
  void segmentationOffLeavesTheTopologyAsItWas() {
    AppConfig off = config(Map.of());
    start(off);
    TopologyDescription d = AnyupTopology.build(off, TopologySerdes.avro(off), pipeline, metrics).describe();

    assertTrue(d.globalStores().isEmpty(), "no global store");
    Set<String> sinks = d.subtopologies().stream().flatMap(s -> s.nodes().stream())
        .filter(n -> n instanceof TopologyDescription.Sink).map(TopologyDescription.Node::name)
        .collect(Collectors.toSet());
    assertEquals(Set.of(AnyupTopology.DENSE_SINK, AnyupTopology.EMBEDDINGS_SINK, AnyupTopology.DLQ_SINK), sinks);
    input.pipeInput(key("cam-1"), event("img-1", TestImages.pattern(40, 40, 1, "png")));
    assertNotNull(dense.readRecord());
    assertTrue(segments.isEmpty(), "no label maps");
    assertEquals(0.0, metrics.labelMaps());
  }

  @Test
  void conceptsHeadAddsTheGlobalStoreAndTheSegmentsSink() {
    AppConfig cfg = config(Map.of("segmentation.head", "concepts"));
    start(cfg);
    TopologyDescription d = AnyupTopology.build(cfg, TopologySerdes.avro(cfg), pipeline, metrics).describe();

    assertEquals(1, d.globalStores().size());
    assertEquals(Set.of(CONCEPTS), d.globalStores().iterator().next().source().topicSet());
    assertTrue(d.toString().contains(AnyupTopology.SEGMENTS_SINK), d.toString());
  }

  @Test
  void aLabelMapOverTheProducerLimitDeadLettersTheWholeImage() throws Exception {
    // two 400-character class names make the label map ~1 KB while the 4-dim embedding stays ~150 bytes
    LinearProbe probe = new LinearProbe("two", "1", List.of("a".repeat(400), "b".repeat(400)), FakeModels.C,
        new float[] {1, -1, 0, 0, -1, 1, 0, 0}, new float[2]);
    Path file = dir.resolve("probe.json");
    ProbeFile.write(file, probe, ENCODER_SHA);
    start(config(Map.of("segmentation.head", "probe", "segmentation.probe.file", file.toString(),
        "output.dense.enabled", "false", "producer.max.request.size", "1200")));
    TestOutputTopic<byte[], byte[]> embeddings = driver.createOutputTopic("features.embeddings",
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    input.pipeInput(key("cam-1"), event("img-1", TestImages.pattern(40, 40, 1, "png")));

    assertTrue(segments.isEmpty(), "no label map");
    assertTrue(embeddings.isEmpty(), "and no embedding: never a half");
    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertEquals("RECORD_TOO_LARGE", header(dead, DeadLetterRouter.REASON));
    assertTrue(header(dead, DeadLetterRouter.MESSAGE).contains("features.segments"),
        header(dead, DeadLetterRouter.MESSAGE));
  }

  private static String header(TestRecord<byte[], byte[]> r, String key) {
    var h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
