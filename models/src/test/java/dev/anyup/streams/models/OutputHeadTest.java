package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The output head inside the upsampler graph against the Java encoder it replaces, on the tiny test bundle: the
 * graph's float16 cast is the same bits as {@link OutputEncoder}'s, and its projection the same values within float
 * rounding.
 */
class OutputHeadTest {

  private static ModelBundle load(OutputHead head) {
    return ModelBundle.load(TinyBundle.source(), InferenceOptions.builder().outputHead(head).build());
  }

  private static FeatureResult run(ModelBundle b, long seed) {
    return b.extractor(56).run(List.of(TinyBundle.randomInput(56, seed))).get(0);
  }

  @Test
  void theGraphsFloat16CastIsBitForBitTheJavaEncoders() {
    try (ModelBundle b = load(new OutputHead(DType.FLOAT16, null, true))) {
      for (long seed = 1; seed <= 3; seed++) {
        FeatureResult r = run(b, seed);
        assertNotNull(r.dense(), "the head's output");
        assertEquals(DType.FLOAT16, r.dense().dtype());
        assertArrayEquals(new int[] {8, 56, 56}, r.dense().shape());
        assertNull(r.dense().projectionId());
        EncodedTensor java = OutputEncoder.create().encode(r.upsampled(), DType.FLOAT16, null);
        assertArrayEquals(java.bytes(), r.dense().bytes(), "seed " + seed);
        // and the pipeline's encoder passes it through untouched
        assertTrue(OutputEncoder.create().encodeHead(r.dense(), DType.FLOAT16) == r.dense());
      }
    }
  }

  @Test
  void theGraphsProjectionMatchesTheJavaProjectionThenFloat16() {
    try (ModelBundle b = load(new OutputHead(DType.FLOAT16, "pca4", true))) {
      FeatureResult r = run(b, 7);
      assertEquals("pca4", r.dense().projectionId());
      assertArrayEquals(new int[] {4, 56, 56}, r.dense().shape());
      float[] graph = OutputEncoder.decode(r.dense()).data();
      float[] java = b.projection("pca4").apply(r.upsampled()).data();
      // float16 keeps 11 significant bits: one rounding step (2^-11 relative) plus the summation order's 1e-5
      for (int i = 0; i < java.length; i++) {
        double tol = Math.abs(java[i]) * 0x1p-10 + 1e-5;
        assertTrue(Math.abs(graph[i] - java[i]) <= tol, "value " + i + ": graph " + graph[i] + ", java " + java[i]);
      }
    }
  }

  @Test
  void aProjectionOnlyHeadGivesFloat32ThatJavaQuantisesToInt8() {
    try (ModelBundle b = load(new OutputHead(DType.INT8, "pca4", true))) {
      FeatureResult r = run(b, 11);
      assertEquals(DType.FLOAT32, r.dense().dtype(), "INT8 quantisation stays in Java");
      Projection p = b.projection("pca4");
      float[] graph = OutputEncoder.decode(r.dense()).data();
      float[] java = p.apply(r.upsampled()).data();
      for (int i = 0; i < java.length; i++) {
        assertEquals(java[i], graph[i], 1e-5, "value " + i);
      }
      EncodedTensor fromHead = OutputEncoder.create().encodeHead(r.dense(), DType.INT8);
      EncodedTensor fromJava = OutputEncoder.create().encode(r.upsampled(), DType.INT8, p);
      assertEquals("pca4", fromHead.projectionId());
      assertArrayEquals(fromJava.scales(), fromHead.scales(), 1e-6f);
      for (int i = 0; i < fromJava.bytes().length; i++) {
        assertTrue(Math.abs(fromJava.bytes()[i] - fromHead.bytes()[i]) <= 1, "value " + i + ": at most one step apart");
      }
    }
  }

  @Test
  void withoutKeepUpsampledOnlyTheHeadsTensorIsCopiedOutAndVerifyStillChecksTheMap() {
    try (ModelBundle b = load(new OutputHead(DType.FLOAT16, null, false))) {
      FeatureResult r = run(b, 5);
      assertNull(r.upsampled(), "the 32-bit map stays in the runtime");
      assertEquals(8 * 56 * 56 * 2, r.dense().bytes().length);
      VerificationReport report = b.verify();
      assertTrue(report.passed(), report.toString());
      assertTrue(report.checks().stream().anyMatch(c -> c.tensor().equals("upsampled")), report.toString());
    }
  }

  @Test
  void aBatchIsSplitIntoEachImagesOwnHeadTensor() {
    try (ModelBundle b = load(new OutputHead(DType.FLOAT16, "pca4", false))) {
      List<PreprocessedImage> batch = List.of(TinyBundle.randomInput(56, 21), TinyBundle.randomInput(56, 22),
          TinyBundle.randomInput(56, 23));
      List<FeatureResult> together = b.extractor(56).run(batch);
      assertEquals(3, together.size());
      for (int i = 0; i < 3; i++) {
        float[] alone = OutputEncoder.decode(b.extractor(56).run(List.of(batch.get(i))).get(0).dense()).data();
        float[] inBatch = OutputEncoder.decode(together.get(i).dense()).data();
        assertEquals(alone.length, inBatch.length);
        // a batch changes results within 1e-5 (FeatureExtractor's contract), i.e. at most one float16 step here
        for (int j = 0; j < alone.length; j++) {
          double tol = Math.abs(alone[j]) * 0x1p-10 + 1e-5;
          assertTrue(Math.abs(alone[j] - inBatch[j]) <= tol, "image " + i + " value " + j + ": alone " + alone[j]
              + ", in the batch " + inBatch[j]);
        }
      }
    }
  }

  @Test
  void aResizedOrBuiltInUpsamplerGetsNoHead() {
    try (ModelBundle b = ModelBundle.load(TinyBundle.source(), InferenceOptions.builder()
        .outputHead(new OutputHead(DType.FLOAT16, null, false)).outputSize(40).build())) {
      FeatureResult r = run(b, 5);
      assertNull(r.dense());
      assertEquals(40, r.upsampled().height());
    }
    try (ModelBundle b = ModelBundle.load(TinyBundle.source(), InferenceOptions.builder()
        .outputHead(new OutputHead(DType.FLOAT16, null, false)).upsampler(UpsamplerKind.BILINEAR).build())) {
      assertNull(run(b, 5).dense());
    }
  }

  @Test
  void anUnknownProjectionFailsTheLoadNamingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> load(new OutputHead(DType.FLOAT16, "pca9", false)));
    assertTrue(e.getMessage().contains("pca9") && e.getMessage().contains("pca4"), e.getMessage());
  }

  @Test
  void headsSayWhatTheyDo() {
    assertFalse(OutputHead.none().active());
    assertFalse(new OutputHead(DType.INT8, null, false).active(), "INT8 alone is quantised in Java");
    assertFalse(new OutputHead(DType.FLOAT32, null, false).active());
    assertTrue(new OutputHead(DType.FLOAT32, "p", false).active());
    assertEquals("projection p + cast to FLOAT16", new OutputHead(DType.FLOAT16, "p", false).toString());
    assertEquals(DType.FLOAT32, new OutputHead(DType.INT8, "p", false).graphDtype());
    assertThrows(IllegalArgumentException.class, () -> new OutputHead(null, null, false));
    assertThrows(IllegalArgumentException.class, () -> new OutputHead(DType.FLOAT16, " ", false));
  }
}
