package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundle loading, contract checks and inference on the tiny test bundle. */
class ModelBundleTest {

  @TempDir Path tmp;

  private static ModelBundle load(Path dir, InferenceOptions options) {
    return ModelBundle.load(dir, options);
  }

  private static ObjectNode encoderProfile(ObjectNode m, int i) {
    return (ObjectNode) m.path("encoder").path("profiles").get(i);
  }

  @Test
  void loadsProfilesLineageAndProjection() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      assertEquals(List.of(28, 56), b.inputSizes());
      assertEquals("tiny-enc", b.encoderRef().name());
      assertEquals(64, b.encoderRef().sha256().length());
      assertEquals("tiny-up", b.upsamplerRef().name());
      assertEquals(4, b.projection("pca4").outChannels());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.projection("pca9"));
      assertTrue(e.getMessage().contains("pca4"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> b.extractor(224));
    }
  }

  @Test
  void runsEncoderAndOnnxUpsamplerWithShapesFromTheContract() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      FeatureResult r = b.extractor(56).run(List.of(TinyBundle.randomInput(56, 1))).get(0);
      assertEquals(8, r.patchFeatures().channels());
      assertEquals(4, r.patchFeatures().height());
      assertEquals(8, r.cls().length);
      assertEquals(8, r.upsampled().channels());
      assertEquals(56, r.upsampled().height());
    }
  }

  @Test
  void batchResultsEqualSingleImageResults() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      FeatureExtractor x = b.extractor(28);
      List<PreprocessedImage> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        batch.add(TinyBundle.randomInput(28, i));
      }
      List<FeatureResult> together = x.run(batch);
      assertEquals(5, together.size());
      for (int i = 0; i < 5; i++) {
        FeatureResult alone = x.run(List.of(batch.get(i))).get(0);
        assertArrayEquals(alone.patchFeatures().data(), together.get(i).patchFeatures().data(), 1e-5f);
        assertArrayEquals(alone.cls(), together.get(i).cls(), 1e-5f);
        assertArrayEquals(alone.upsampled().data(), together.get(i).upsampled().data(), 1e-5f);
      }
      assertNotEquals(together.get(0).cls()[0], together.get(1).cls()[0]); // order kept, images differ
    }
  }

  @Test
  void extractorIsSafeToShareAcrossThreads() throws Exception {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.builder().predictors(2).build())) {
      FeatureExtractor x = b.extractor(28);
      float[] expected = x.run(List.of(TinyBundle.randomInput(28, 7))).get(0).upsampled().data();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> futures = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          futures.add(pool.submit(() -> x.run(List.of(TinyBundle.randomInput(28, 7))).get(0).upsampled().data()));
        }
        for (Future<float[]> f : futures) {
          assertArrayEquals(expected, f.get(), 1e-6f);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void threadAndSpinningSessionOptionsReachOnnxRuntimeAndLeaveResultsUnchanged() {
    float[] expected;
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      expected = b.extractor(28).run(List.of(TinyBundle.randomInput(28, 5))).get(0).upsampled().data();
    }
    // the tiny bundle's profile is 28: a max size of 0 turns the memory pattern off for it
    InferenceOptions budget = InferenceOptions.builder().intraOpThreads(1).interOpThreads(1).spinning(false)
        .memoryPatternMaxSize(0).build();
    assertFalse(budget.memoryPattern(28));
    try (ModelBundle b = load(TinyBundle.source(), budget)) {
      float[] got = b.extractor(28).run(List.of(TinyBundle.randomInput(28, 5))).get(0).upsampled().data();
      assertEquals(expected.length, got.length);
      for (int i = 0; i < got.length; i++) {
        assertEquals(expected[i], got[i], 1e-5f, "value " + i);
      }
    }
  }

  @Test
  void builtInUpsamplersProduceTheRequestedOutputSize() {
    for (UpsamplerKind kind : new UpsamplerKind[] {UpsamplerKind.BILINEAR, UpsamplerKind.JBU, UpsamplerKind.NEAREST}) {
      InferenceOptions o = InferenceOptions.builder().upsampler(kind).outputSize(40).build();
      try (ModelBundle b = load(TinyBundle.source(), o)) {
        FeatureResult r = b.extractor(28).run(List.of(TinyBundle.randomInput(28, 3))).get(0);
        assertEquals(40, r.upsampled().height(), kind.name());
        assertEquals(8, r.upsampled().channels());
        assertEquals(kind.name().toLowerCase(java.util.Locale.ROOT), b.upsamplerRef().name());
      }
    }
  }

  @Test
  void onnxUpsamplerOutputIsResizedToTheRequestedSize() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.builder().outputSize(14).build())) {
      assertEquals(14, b.extractor(28).run(List.of(TinyBundle.randomInput(28, 3))).get(0).upsampled().width());
    }
  }

  @Test
  void verifyPassesOnTheReferenceTensors() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      VerificationReport report = b.verify();
      assertEquals(3, report.checks().size(), report.toString());
      assertTrue(report.passed(), report.toString());
    }
  }

  @Test
  void verifyFailsWhenAReferenceDisagrees() throws IOException {
    Path dir = TinyBundle.copy(tmp, m -> { });
    byte[] other = NpyTestFiles.f4(new int[] {1, 3, 28, 28}, TinyBundle.randomInput(28, 99).chw());
    Files.write(dir.resolve("ref_28_image.npy"), other);
    try (ModelBundle b = load(dir, InferenceOptions.defaults())) {
      assertTrue(!b.verify().passed());
    }
  }

  @Test
  void refusesImageOfTheWrongSizeNamingModelAndIndex() {
    try (ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults())) {
      ModelException e = assertThrows(ModelException.class,
          () -> b.extractor(28).run(List.of(TinyBundle.randomInput(28, 1), TinyBundle.randomInput(56, 2))));
      assertTrue(e.getMessage().contains("tiny-enc") && e.getMessage().contains("image 1"), e.getMessage());
    }
  }

  @Test
  void refusesFileWithWrongHashNamingTheFile() throws IOException {
    Path dir = TinyBundle.copy(tmp, m -> { });
    Files.write(dir.resolve("upsampler_56.onnx"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("upsampler_56.onnx") && e.getMessage().contains("sha256"), e.getMessage());
  }

  @Test
  void refusesMissingFileNamingIt() throws IOException {
    Path dir = TinyBundle.copy(tmp, m -> { });
    Files.delete(dir.resolve("encoder_28.onnx"));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("encoder_28.onnx") && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void refusesGraphWithoutTheContractTensorNamingFileAndTensor() {
    Path dir = TinyBundle.copy(tmp, m -> ((ObjectNode) m.path("encoder").path("inputs")).put("image", "pixels"));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("encoder_28.onnx") && e.getMessage().contains("'pixels'"), e.getMessage());
  }

  @Test
  void refusesGraphWithWrongRankNamingFileAndTensor() throws IOException {
    String sha = sha256(TinyBundle.source().resolve("encoder_bad_rank.onnx"));
    Path fixed = TinyBundle.copy(tmp, m -> encoderProfile(m, 0).put("file", "encoder_bad_rank.onnx").put("sha256", sha));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(fixed, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("encoder_bad_rank.onnx") && e.getMessage().contains("'cls'")
        && e.getMessage().contains("rank 4"), e.getMessage());
  }

  @Test
  void refusesGraphWhoseShapeContradictsTheManifest() {
    Path dir = TinyBundle.copy(tmp, m -> ((ObjectNode) m.path("encoder")).put("channels", 16));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("patch_features") && e.getMessage().contains("16"), e.getMessage());
  }

  @Test
  void refusesBadManifestNamingIt() throws IOException {
    Path dir = TinyBundle.copy(tmp, m -> m.put("format_version", 7));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("format_version") && e.getMessage().contains("7"), e.getMessage());
    Files.writeString(dir.resolve("manifest.json"), "{ not json");
    e = assertThrows(InvalidBundleException.class, () -> load(dir, InferenceOptions.defaults()));
    assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
  }

  @Test
  void cudaDeviceFailsFastWhenTheProviderIsMissing() {
    // this build ships the CPU-only onnxruntime artifact
    ModelException e = assertThrows(ModelException.class,
        () -> load(TinyBundle.source(), InferenceOptions.builder().device("cuda:0").build()));
    assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("CUDA"), e.getMessage());
  }

  @Test
  void inferenceOptionsRejectBadValuesNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> InferenceOptions.builder().device("gpu").build());
    assertTrue(e.getMessage().contains("'gpu'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> InferenceOptions.builder().upsampler("bicubic"));
    assertTrue(e.getMessage().contains("'bicubic'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> InferenceOptions.builder().intraOpThreads(-1).build());
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
    assertEquals(2, InferenceOptions.builder().device("cuda:2").build().cudaDeviceId());
    e = assertThrows(IllegalArgumentException.class, () -> InferenceOptions.builder().memoryPatternMaxSize(-1).build());
    assertTrue(e.getMessage().contains("memoryPatternMaxSize") && e.getMessage().contains("-1"), e.getMessage());
  }

  @Test
  void onnxRuntimesMemoryPatternIsOnUpTo448AndOffAbove() {
    InferenceOptions o = InferenceOptions.defaults();
    assertTrue(o.memoryPattern(224));
    assertTrue(o.memoryPattern(448));
    assertFalse(o.memoryPattern(896), "the pattern's block comes on top of the arena: 8.2 vs 5.1 GB at 896");
    assertTrue(InferenceOptions.builder().memoryPatternMaxSize(Integer.MAX_VALUE).build().memoryPattern(896));
  }

  @Test
  void threadOptionsAreAccepted() {
    InferenceOptions o = InferenceOptions.builder().intraOpThreads(1).interOpThreads(1).build();
    try (ModelBundle b = load(TinyBundle.source(), o)) {
      assertEquals(1, b.extractor(28).run(List.of(TinyBundle.randomInput(28, 1))).size());
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void closeIsIdempotentAndRefusesNewExtractors() {
    ModelBundle b = load(TinyBundle.source(), InferenceOptions.defaults());
    b.extractor(28);
    b.close();
    b.close();
    assertThrows(IllegalStateException.class, () -> b.extractor(28));
  }

  @Test
  void graphWithStaticBatchOfOneRunsBatchesImageByImage() throws IOException {
    String sha = sha256(TinyBundle.source().resolve("encoder_batch1.onnx"));
    Path dir = TinyBundle.copy(tmp, m -> encoderProfile(m, 0).put("file", "encoder_batch1.onnx").put("sha256", sha));
    List<PreprocessedImage> batch = List.of(TinyBundle.randomInput(28, 1), TinyBundle.randomInput(28, 2),
        TinyBundle.randomInput(28, 3));
    try (ModelBundle fixed = load(dir, InferenceOptions.defaults());
        ModelBundle dynamic = load(TinyBundle.source(), InferenceOptions.defaults())) {
      List<FeatureResult> a = fixed.extractor(28).run(batch);
      List<FeatureResult> b = dynamic.extractor(28).run(batch);
      assertEquals(3, a.size());
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(b.get(i).cls(), a.get(i).cls(), 1e-5f);
        assertArrayEquals(b.get(i).upsampled().data(), a.get(i).upsampled().data(), 1e-5f);
      }
    }
  }
}
