package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The segmentation probe head inside the upsampler graph: against NumPy on the default bundle's reference features
 * (fixtures by models/export/tools/probe_fixtures.py), against {@link LinearProbe#label} (the Java reference) on the
 * tiny bundle, on ties, with and without the dense head, and where it cannot run in the graph.
 */
class ProbeHeadTest {

  private static final String FIXTURE = "/dev/anyup/streams/models/probe-fixture/";
  /** Pixels whose two best scores are this close may go either way in float32; they are not compared. */
  private static final double TIE = 1e-5;
  /** Softmax probabilities of the graph and of NumPy (float64) on the same features. */
  private static final double CONFIDENCE_TOL = 1e-5;
  /** The fixture's near-tie marker (probe_fixtures.py). */
  private static final int NEAR_TIE = 255;
  private static final int STRIDE = 7;
  /** No dense head, 32-bit map not kept: a result without {@code upsampled} shows that the probe ran in the graph. */
  private static final OutputHead LABELS_ONLY = new OutputHead(DType.FLOAT32, null, false);

  private static Path fixture(String name) {
    try {
      return Paths.get(ProbeHeadTest.class.getResource(FIXTURE + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PreprocessedImage referenceImage() throws IOException {
    try (InputStream in = ProbeHeadTest.class.getResourceAsStream(
        "/dev/anyup/streams/models/default-bundle/ref/ref_224_image.npy")) {
      Npy image = Npy.parse(in.readAllBytes());
      return new PreprocessedImage(image.data(), 224, 224,
          new ImageTransform(224, 224, 224, 224, 1, 1, 0, 0, 224, 224, 0, 0, 224, 224, ResizeMode.SQUASH));
    }
  }

  private static LinearProbe randomProbe(int classes, int channels, long seed) {
    Random r = new Random(seed);
    float[] w = new float[classes * channels];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() / Math.sqrt(channels));
    }
    float[] b = new float[classes];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (0.1 * r.nextGaussian());
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      names.add("c" + k);
    }
    return new LinearProbe("random" + seed, "1", names, channels, w, b);
  }

  /** Each pixel's best class and the gap between its two best scores, in double precision. */
  private record TopTwo(int[] best, double[] gap) {}

  private static double[] topTwoGap(LinearProbe probe, FeatureMap features) {
    return topTwo(probe, features).gap();
  }

  private static TopTwo topTwo(LinearProbe probe, FeatureMap features) {
    int hw = features.height() * features.width();
    int c = probe.channels();
    float[] w = probe.weights();
    float[] b = probe.bias();
    float[] x = features.data();
    double[] gap = new double[hw];
    int[] index = new int[hw];
    for (int p = 0; p < hw; p++) {
      double best = Double.NEGATIVE_INFINITY;
      double second = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < probe.classes(); k++) {
        double s = b[k];
        for (int ch = 0; ch < c; ch++) {
          s += (double) w[k * c + ch] * x[ch * hw + p];
        }
        if (s > best) {
          second = best;
          best = s;
          index[p] = k;
        } else if (s > second) {
          second = s;
        }
      }
      gap[p] = best - second;
    }
    return new TopTwo(index, gap);
  }

  /** Asserts equal labels except at near ties; returns how many pixels were compared. */
  private static int assertSameLabelsAwayFromTies(LabelMap expected, LabelMap actual, double[] gap, String what) {
    assertEquals(expected.width(), actual.width(), what);
    assertEquals(expected.height(), actual.height(), what);
    int compared = 0;
    for (int p = 0; p < expected.labels().length; p++) {
      if (gap[p] <= TIE) {
        continue;
      }
      compared++;
      assertEquals(expected.labels()[p], actual.labels()[p], what + ": pixel " + p + " (gap " + gap[p] + ")");
    }
    return compared;
  }

  private static ModelBundle tiny(OutputHead head, LinearProbe probe, boolean confidence) {
    return ModelBundle.load(TinyBundle.source(),
        InferenceOptions.builder().outputHead(head).probe(probe, confidence).build());
  }

  @Test
  void inGraphLabelsOnTheDefaultBundleAreNumpysArgmaxAndConfidenceItsSoftmaxMax() throws IOException {
    LinearProbe probe = ProbeFile.read(fixture("probe.json")).probe();
    int[] numpy = LabelPng.readLabels(Files.readAllBytes(fixture("labels.png")));
    float[] numpyConfidence = Npy.read(fixture("confidence_sub.npy")).data();
    try (ModelBundle b = ModelBundle.loadDefault(InferenceOptions.builder().probe(probe, true)
        .outputHead(LABELS_ONLY).build())) {
      FeatureResult r = b.extractor(224).run(List.of(referenceImage())).get(0);
      assertNull(r.upsampled(), "only labels left the graph: the probe ran in it");
      LabelMap labels = r.labels();
      assertNotNull(labels, "labels of the in-graph probe");
      assertEquals(224, labels.width());
      assertEquals(probe.classNames(), labels.classNames());
      int compared = 0;
      for (int p = 0; p < numpy.length; p++) {
        if (numpy[p] != NEAR_TIE) {
          compared++;
          assertEquals(numpy[p], labels.labels()[p], "pixel " + p);
        }
      }
      assertTrue(compared > numpy.length * 99 / 100, "compared " + compared + " of " + numpy.length);
      assertTrue(labels.counts()[5] < numpy.length, "more than one class: " + Arrays.toString(
          labels.counts()));
      int side = (224 + STRIDE - 1) / STRIDE;
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          float graph = labels.confidence()[(y * STRIDE) * 224 + x * STRIDE];
          float np = numpyConfidence[y * side + x];
          assertEquals(np, graph, CONFIDENCE_TOL, "confidence at (" + x * STRIDE + ", " + y * STRIDE + ")");
        }
      }
    }
  }

  /**
   * The same check on a real-architecture bundle (DINOv2 ViT-S/14 + AnyUp, 384 channels, seeded weights; made by
   * {@code python3 -m anyup_export.bench_models DIR} in models/export, ~1 min, 80 MB, so not part of the build): run
   * with {@code -Danyup.test.realBundle=DIR}. Labels are compared with a double-precision argmax of the bundle's
   * reference (its PyTorch forward) except where the runtime's own features may rank differently: pixels whose top
   * two scores are within {@link #TIE} plus twice the largest score change the runtime/PyTorch feature difference
   * allows (max row L1 norm × max |Δx|); and with {@link LinearProbe#label} on the runtime's own features except
   * within {@link #TIE}.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "anyup.test.realBundle", matches = ".+")
  void realArchitectureBundle_inGraphLabelsAreTheArgmaxOfItsFeatures() throws IOException {
    Path dir = Paths.get(System.getProperty("anyup.test.realBundle"));
    int s = 224;
    Npy image = Npy.read(dir.resolve("ref/ref_224_image.npy"));
    FeatureMap ref = new FeatureMap(384, s, s, Npy.read(dir.resolve("ref/ref_224_upsampled.npy")).data());
    PreprocessedImage input = new PreprocessedImage(image.data(), s, s,
        new ImageTransform(s, s, s, s, 1, 1, 0, 0, s, s, 0, 0, s, s, ResizeMode.SQUASH));
    LinearProbe probe = randomProbe(27, 384, 27);
    FeatureMap own;
    try (ModelBundle plain = ModelBundle.load(dir, InferenceOptions.builder().build())) {
      own = plain.extractor(s).run(List.of(input)).get(0).upsampled();
    }
    LabelMap graph;
    try (ModelBundle b = ModelBundle.load(dir, InferenceOptions.builder().probe(probe, true)
        .outputHead(LABELS_ONLY).build())) {
      FeatureResult r = b.extractor(s).run(List.of(input)).get(0);
      assertNull(r.upsampled(), "the probe ran in the graph");
      graph = r.labels();
    }
    LabelMap java = probe.label(own, true);
    int compared = assertSameLabelsAwayFromTies(java, graph, topTwoGap(probe, own), "vs LinearProbe on own features");
    assertTrue(compared > s * s * 99 / 100, "compared " + compared);
    for (int p = 0; p < java.confidence().length; p++) {
      assertEquals(java.confidence()[p], graph.confidence()[p], CONFIDENCE_TOL, "confidence " + p);
    }
    double dx = 0;
    for (int i = 0; i < own.data().length; i++) {
      dx = Math.max(dx, Math.abs(own.data()[i] - ref.data()[i]));
    }
    double rowL1 = 0;
    float[] w = probe.weights();
    for (int k = 0; k < probe.classes(); k++) {
      double l1 = 0;
      for (int c = 0; c < 384; c++) {
        l1 += Math.abs(w[k * 384 + c]);
      }
      rowL1 = Math.max(rowL1, l1);
    }
    TopTwo reference = topTwo(probe, ref);
    double bound = TIE + 2 * rowL1 * dx;
    int excluded = 0;
    int differing = 0;
    for (int p = 0; p < s * s; p++) {
      if (reference.gap()[p] <= bound) {
        excluded++;
        differing += reference.best()[p] != graph.labels()[p] ? 1 : 0;
        continue;
      }
      assertEquals(reference.best()[p], graph.labels()[p], "pixel " + p + " gap " + reference.gap()[p]);
    }
    System.out.printf("real bundle: max |runtime - reference| %.3g, excluded %d of %d pixels (gap <= %.3g; %d of "
        + "them differ), %d classes present%n", dx, excluded, s * s, bound, differing,
        Arrays.stream(graph.counts()).filter(c -> c > 0).count());
    // the bound is a worst case (every channel off by the largest difference, all in one direction): loose
    assertTrue(excluded < s * s / 10, "excluded " + excluded);
  }

  @Test
  void theProbeFileHoldsThePythonFloat32sBitForBit() throws IOException {
    LinearProbe probe = ProbeFile.read(fixture("probe.json")).probe();
    assertArrayEquals(Npy.read(fixture("probe_weights.npy")).data(), probe.weights());
    assertArrayEquals(Npy.read(fixture("probe_bias.npy")).data(), probe.bias());
  }

  @Test
  void inGraphLabelsAndConfidenceAreTheJavaReferences() {
    // 7 classes: uint8 labels; 300 classes: int32 labels
    for (int classes : new int[] {7, 300}) {
      LinearProbe probe = randomProbe(classes, 8, classes);
      try (ModelBundle b = tiny(LABELS_ONLY, probe, true); ModelBundle plain = tiny(OutputHead.none(), null, false)) {
        for (long seed = 1; seed <= 3; seed++) {
          PreprocessedImage input = TinyBundle.randomInput(56, seed);
          FeatureResult r = b.extractor(56).run(List.of(input)).get(0);
          assertNull(r.upsampled(), "in the graph");
          FeatureMap features = plain.extractor(56).run(List.of(input)).get(0).upsampled();
          LabelMap java = probe.label(features, true);
          double[] gap = topTwoGap(probe, features);
          int compared = assertSameLabelsAwayFromTies(java, r.labels(), gap, classes + " classes, seed " + seed);
          assertTrue(compared > 56 * 56 * 99 / 100, "compared " + compared);
          for (int p = 0; p < java.confidence().length; p++) {
            assertEquals(java.confidence()[p], r.labels().confidence()[p], CONFIDENCE_TOL, "confidence " + p);
          }
        }
      }
    }
  }

  @Test
  void labelsOnlyLeavesTheUpsampledMapInTheRuntimeAndVerifyStillChecksIt() {
    LinearProbe probe = randomProbe(5, 8, 11);
    PreprocessedImage input = TinyBundle.randomInput(56, 4);
    LabelMap kept;
    try (ModelBundle b = tiny(OutputHead.none(), probe, false)) {
      kept = b.extractor(56).run(List.of(input)).get(0).labels();
    }
    try (ModelBundle b = tiny(new OutputHead(DType.FLOAT32, null, false), probe, false)) {
      FeatureResult r = b.extractor(56).run(List.of(input)).get(0);
      assertNull(r.upsampled(), "the 32-bit map stays in the runtime");
      assertNull(r.dense());
      assertNull(r.labels().confidence(), "no confidence asked for");
      assertArrayEquals(kept.labels(), r.labels().labels());
      VerificationReport report = b.verify();
      assertTrue(report.checks().stream().anyMatch(c -> c.tensor().equals("upsampled")), report.toString());
      assertTrue(report.passed(), report.toString());
    }
  }

  @Test
  void aDenseHeadThatDoesNotKeepTheMapDropsItFromTheGraphAndVerifyStillChecksIt() {
    try (ModelBundle b = tiny(new OutputHead(DType.FLOAT16, null, false), null, false)) {
      FeatureResult r = b.extractor(56).run(List.of(TinyBundle.randomInput(56, 3))).get(0);
      assertNull(r.upsampled());
      assertNull(r.labels());
      VerificationReport report = b.verify();
      assertTrue(report.checks().stream().anyMatch(c -> c.tensor().equals("upsampled")), report.toString());
      assertTrue(report.passed(), report.toString());
    }
  }

  @Test
  void theProbeHeadRunsBesideTheDenseHead() {
    LinearProbe probe = randomProbe(6, 8, 5);
    PreprocessedImage input = TinyBundle.randomInput(56, 9);
    try (ModelBundle alone = tiny(OutputHead.none(), probe, true);
        ModelBundle both = tiny(new OutputHead(DType.FLOAT16, "pca4", false), probe, true)) {
      FeatureResult a = alone.extractor(56).run(List.of(input)).get(0);
      FeatureResult r = both.extractor(56).run(List.of(input)).get(0);
      assertNull(r.upsampled());
      assertArrayEquals(new int[] {4, 56, 56}, r.dense().shape());
      assertEquals("pca4", r.dense().projectionId());
      assertArrayEquals(a.labels().labels(), r.labels().labels());
      assertArrayEquals(a.labels().confidence(), r.labels().confidence());
    }
  }

  @Test
  void builtInUpsamplersAndResizedMapsGetTheLabelsFromJava() {
    LinearProbe probe = randomProbe(4, 8, 3);
    PreprocessedImage input = TinyBundle.randomInput(56, 2);
    List<InferenceOptions> options = List.of(
        InferenceOptions.builder().probe(probe, true).upsampler(UpsamplerKind.BILINEAR).build(),
        InferenceOptions.builder().probe(probe, true).upsampler(UpsamplerKind.JBU).build(),
        InferenceOptions.builder().probe(probe, true).outputSize(40)
            .outputHead(new OutputHead(DType.FLOAT16, null, false)).build());
    for (InferenceOptions o : options) {
      try (ModelBundle b = ModelBundle.load(TinyBundle.source(), o)) {
        FeatureResult r = b.extractor(56).run(List.of(input)).get(0);
        assertNotNull(r.labels(), o.upsampler() + " at " + o.outputSize());
        LabelMap java = probe.label(r.upsampled(), true);
        assertEquals(r.upsampled().width(), r.labels().width());
        assertArrayEquals(java.labels(), r.labels().labels(), o.upsampler() + " at " + o.outputSize());
        assertArrayEquals(java.confidence(), r.labels().confidence());
      }
    }
  }

  /**
   * The tiny bundle with its 56 px upsampler declared at opset 12 (probe_fixtures.py), where the probe head cannot
   * go: the dense head still runs in the graph, the labels come from Java, and the map stays a graph output.
   */
  @Test
  void aGraphBeforeOpset13GetsTheDenseHeadAndJavaLabels(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    byte[] graph = Files.readAllBytes(Paths.get(ProbeHeadTest.class
        .getResource("/dev/anyup/streams/models/onnx/probe-graphs/tiny_upsampler_56_opset12.onnx").toURI()));
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(graph));
    Path dir = TinyBundle.copy(tmp, m -> {
      for (com.fasterxml.jackson.databind.JsonNode p : m.path("upsampler").path("profiles")) {
        if (p.path("input_size").asInt() == 56) {
          ((com.fasterxml.jackson.databind.node.ObjectNode) p).put("sha256", sha);
        }
      }
    });
    Files.write(dir.resolve("upsampler_56.onnx"), graph);
    LinearProbe probe = randomProbe(5, 8, 12);
    PreprocessedImage input = TinyBundle.randomInput(56, 6);
    try (ModelBundle b = ModelBundle.load(dir, InferenceOptions.builder().probe(probe, true)
        .outputHead(new OutputHead(DType.FLOAT16, null, false)).build())) {
      FeatureResult r = b.extractor(56).run(List.of(input)).get(0);
      assertNotNull(r.dense(), "the dense head still runs in the graph");
      assertNotNull(r.upsampled(), "copied out for the Java labels");
      LabelMap java = probe.label(r.upsampled(), true);
      assertArrayEquals(java.labels(), r.labels().labels());
      assertArrayEquals(java.confidence(), r.labels().confidence());
      assertTrue(b.verify().passed());
    }
  }

  @Test
  void tiesGoToTheFirstOfTheTiedClasses() {
    int c = 8;
    // classes 1 and 2 identical and far ahead of 0 and 3: every pixel is a tie between them
    float[] w = new float[4 * c];
    float[] bias = {-100, 100, 100, -100};
    for (int ch = 0; ch < c; ch++) {
      w[c + ch] = 0.25f;
      w[2 * c + ch] = 0.25f;
    }
    LinearProbe tied = new LinearProbe("tied", "1", List.of("a", "b", "c", "d"), c, w, bias);
    // every class identical: label 0 everywhere, confidence 1/4
    LinearProbe flat = new LinearProbe("flat", "1", List.of("a", "b", "c", "d"), c, new float[4 * c], new float[4]);
    try (ModelBundle b = tiny(LABELS_ONLY, tied, true);
        ModelBundle f = tiny(LABELS_ONLY, flat, true)) {
      PreprocessedImage input = TinyBundle.randomInput(56, 1);
      LabelMap t = b.extractor(56).run(List.of(input)).get(0).labels();
      assertEquals(56 * 56, t.counts()[1], "the first tied class everywhere: " + Arrays.toString(t.counts()));
      for (float p : t.confidence()) {
        assertEquals(0.5, p, 1e-6);
      }
      LabelMap l = f.extractor(56).run(List.of(input)).get(0).labels();
      assertEquals(56 * 56, l.counts()[0]);
      for (float p : l.confidence()) {
        assertEquals(0.25, p, 1e-6);
      }
    }
  }

  @Test
  void aProbeForAnotherChannelCountIsRefusedNamingBoth() {
    LinearProbe probe = randomProbe(3, 384, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tiny(OutputHead.none(), probe, false));
    assertTrue(e.getMessage().contains("needs 384 feature channels") && e.getMessage().contains("makes 8"),
        e.getMessage());
  }

  @Test
  void confidenceWithoutAProbeIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> InferenceOptions.builder().probe(null, true).build());
    assertTrue(e.getMessage().contains("probeConfidence needs a probe"), e.getMessage());
  }

  @Test
  void resultsNeedSomeOutput() {
    FeatureMap patches = new FeatureMap(1, 1, 1, new float[1]);
    assertThrows(IllegalArgumentException.class, () -> new FeatureResult(patches, null, null, null, null));
    LabelMap labels = new LabelMap(1, 1, new int[1], null, List.of("a", "b"));
    assertEquals(labels, new FeatureResult(patches, null, null, null, labels).labels());
    assertNull(new FeatureResult(patches, null, patches).labels());
  }
}
