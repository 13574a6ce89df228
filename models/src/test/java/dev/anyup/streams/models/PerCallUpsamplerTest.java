package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.segmentation.LinearProbe;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An upsampler chosen per call on one loaded bundle gives what a bundle loaded with that upsampler gives, and the
 * bundle's own upsampler stays the default.
 */
class PerCallUpsamplerTest {

  private static final int SIZE = 56;

  private static ModelBundle tiny(InferenceOptions options) {
    return ModelBundle.load(TinyBundle.source(), options);
  }

  @Test
  void builtInsPerCallEqualABundleLoadedWithThem() {
    List<PreprocessedImage> batch = List.of(TinyBundle.randomInput(SIZE, 1), TinyBundle.randomInput(SIZE, 2));
    try (ModelBundle onnx = tiny(InferenceOptions.defaults())) {
      FeatureExtractor x = onnx.extractor(SIZE);
      for (UpsamplerKind kind : List.of(UpsamplerKind.BILINEAR, UpsamplerKind.JBU, UpsamplerKind.NEAREST)) {
        FeatureUpsampler perCall = switch (kind) {
          case BILINEAR -> FeatureUpsampler.bilinear();
          case JBU -> FeatureUpsampler.jointBilateral();
          default -> FeatureUpsampler.nearest();
        };
        try (ModelBundle loaded = tiny(InferenceOptions.builder().upsampler(kind).build())) {
          List<FeatureResult> expected = loaded.extractor(SIZE).run(batch);
          List<FeatureResult> actual = x.run(batch, perCall);
          for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(expected.get(i).upsampled().data(), actual.get(i).upsampled().data(), 1e-6f,
                kind + " image " + i);
            assertArrayEquals(expected.get(i).patchFeatures().data(), actual.get(i).patchFeatures().data(), 1e-6f);
          }
        }
      }
      // and the bundle's own (ONNX) upsampler is still what run(batch) runs
      assertEquals("tiny-up", onnx.upsamplerRef().name());
      FeatureResult own = x.run(batch).get(0);
      FeatureResult bilinear = x.run(batch, FeatureUpsampler.bilinear()).get(0);
      assertFalse(Arrays.equals(own.upsampled().data(), bilinear.upsampled().data()),
          "the ONNX graph and bilinear give different maps");
    }
  }

  @Test
  void noneGivesThePatchGridItself() {
    PreprocessedImage input = TinyBundle.randomInput(SIZE, 3);
    try (ModelBundle b = tiny(InferenceOptions.defaults())) {
      FeatureResult r = b.extractor(SIZE).run(List.of(input), FeatureUpsampler.none()).get(0);
      assertSame(r.patchFeatures(), r.upsampled());
      assertEquals(SIZE / 14, r.upsampled().height());
      assertArrayEquals(b.extractor(SIZE).run(List.of(input)).get(0).patchFeatures().data(),
          r.patchFeatures().data(), 1e-6f);
    }
  }

  @Test
  void jointBilateralSettingsArePerCall() {
    PreprocessedImage input = TinyBundle.randomInput(SIZE, 4);
    try (ModelBundle b = tiny(InferenceOptions.defaults())) {
      FeatureExtractor x = b.extractor(SIZE);
      float[] standard = x.run(List.of(input), FeatureUpsampler.jointBilateral()).get(0).upsampled().data();
      float[] wide = x.run(List.of(input), FeatureUpsampler.jointBilateral(2.0, 0.25, 4)).get(0).upsampled().data();
      assertFalse(Arrays.equals(standard, wide), "other settings give another map");
      assertEquals("jbu sigma_spatial=2.0 sigma_range=0.25 radius=4",
          FeatureUpsampler.jointBilateral(2.0, 0.25, 4).toString());
    }
  }

  @Test
  void theBundlesJbuIsTheLibraryDefaultJbu() {
    // a bundle loaded with upsampler=jbu records its settings in its lineage hash: the library default's settings
    try (ModelBundle b = tiny(InferenceOptions.builder().upsampler(UpsamplerKind.JBU).build())) {
      String expected = sha256Hex(FeatureUpsampler.jointBilateral().toString());
      assertEquals(expected, b.upsamplerRef().sha256());
    }
  }

  @Test
  void aProbeLabelsThePerCallMapAndTheGraphHeadDoesNotRun() {
    LinearProbe probe = randomProbe(3, 8);
    PreprocessedImage input = TinyBundle.randomInput(SIZE, 5);
    try (ModelBundle b = tiny(InferenceOptions.builder().probe(probe, true)
        .outputHead(new OutputHead(DType.FLOAT16, null, true)).build())) {
      FeatureExtractor x = b.extractor(SIZE);
      assertNotNull(x.run(List.of(input)).get(0).dense(), "the bundle's own call runs the graph's head");
      for (FeatureUpsampler up : List.of(FeatureUpsampler.bilinear(), FeatureUpsampler.none())) {
        FeatureResult r = x.run(List.of(input), up).get(0);
        assertNull(r.dense(), up + ": no graph head");
        assertEquals(r.upsampled().width(), r.labels().width(), up.toString());
        assertArrayEquals(probe.label(r.upsampled(), true).labels(), r.labels().labels(), up.toString());
      }
    }
  }

  @Test
  void upsampler_null() {
    try (ModelBundle b = tiny(InferenceOptions.defaults())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> b.extractor(SIZE).run(List.of(TinyBundle.randomInput(SIZE, 6)), null));
      assertTrue(e.getMessage().contains("FeatureUpsampler.none()"), e.getMessage());
    }
  }

  @Test
  void defaultPreprocessingIsTheAppsShorterSideCentreCrop() {
    DecodedImage photo = ImageDecoder.create(ImageLimits.defaults()).decode(SampleImages.bytes("chelsea.png"));
    try (ModelBundle b = tiny(InferenceOptions.defaults())) {
      PreprocessedImage byDefault = b.preprocessor(SIZE).apply(photo);
      assertEquals(ResizeMode.SHORTER_SIDE_CENTER_CROP, byDefault.transform().mode());
      assertArrayEquals(b.preprocessor(SIZE, ResizeMode.SHORTER_SIDE_CENTER_CROP).apply(photo).chw(),
          byDefault.chw(), 0f);
    }
  }

  @Test
  void defaultOptionsSpinNot() {
    assertFalse(InferenceOptions.defaults().spinning(), "spinning is off by default, as in the app");
    assertEquals(UpsamplerKind.ONNX, InferenceOptions.defaults().upsampler());
  }

  private static String sha256Hex(String s) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (byte x : d) {
        hex.append(String.format("%02x", x));
      }
      return hex.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static LinearProbe randomProbe(int classes, int channels) {
    Random r = new Random(11);
    float[] w = new float[classes * channels];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    float[] bias = new float[classes];
    List<String> names = new java.util.ArrayList<>();
    for (int k = 0; k < classes; k++) {
      names.add("c" + k);
    }
    return new LinearProbe("random", "1", names, channels, w, bias);
  }
}
