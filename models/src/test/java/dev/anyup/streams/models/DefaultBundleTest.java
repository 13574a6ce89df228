package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundle shipped in the jar: loads offline, passes its own references, runs end to end on a real photo. */
class DefaultBundleTest {

  private static ModelBundle bundle;

  @BeforeAll
  static void load() {
    bundle = ModelBundle.loadDefault(InferenceOptions.defaults());
  }

  @AfterAll
  static void close() {
    bundle.close();
  }

  @Test
  void verifyPassesWithinTheManifestTolerance() {
    VerificationReport report = bundle.verify();
    assertEquals(3, report.checks().size(), report.toString());
    assertTrue(report.passed(), report.toString());
  }

  @Test
  void describesItsModels() {
    assertEquals(List.of(224, 448), bundle.inputSizes());
    assertEquals("filterbank-p14", bundle.encoderRef().name());
    assertEquals("anyup-standin", bundle.upsamplerRef().name());
    assertEquals(8, bundle.projection("pca8").outChannels());
  }

  @Test
  void runsAPhotoEndToEndAtBothResolutions() {
    DecodedImage photo = ImageDecoder.create(ImageLimits.defaults()).decode(SampleImages.bytes("chelsea.png"));
    for (int size : bundle.inputSizes()) {
      PreprocessedImage input = bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP).apply(photo);
      FeatureResult r = bundle.extractor(size).run(List.of(input)).get(0);
      assertEquals(32, r.patchFeatures().channels());
      assertEquals(size / 14, r.patchFeatures().height());
      assertNotNull(r.cls());
      assertEquals(size, r.upsampled().height());
      float[] global = Embeddings.global(r);
      double norm = 0;
      for (float v : global) {
        norm += v * v;
      }
      assertEquals(1.0, norm, 1e-5);
      EncodedTensor t = OutputEncoder.create().encode(r.upsampled(), DType.FLOAT16, bundle.projection("pca8"));
      assertArrayEquals(new int[] {8, size, size}, t.shape());
    }
  }

  @Test
  void batchOfEightEqualsImagesRunAlone() {
    FeatureExtractor x = bundle.extractor(224);
    List<PreprocessedImage> batch = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      batch.add(TinyBundle.randomInput(224, 100 + i));
    }
    List<FeatureResult> together = x.run(batch);
    for (int i : new int[] {0, 5, 7}) {
      FeatureResult alone = x.run(List.of(batch.get(i))).get(0);
      assertArrayEquals(alone.patchFeatures().data(), together.get(i).patchFeatures().data(), 1e-5f);
      assertArrayEquals(alone.cls(), together.get(i).cls(), 1e-5f);
      assertArrayEquals(alone.upsampled().data(), together.get(i).upsampled().data(), 1e-5f);
    }
  }

  @Test
  void extractsToAContentAddressedCacheDirOnceAndHealsADamagedCopy() throws Exception {
    Path cache = Files.createTempDirectory("anyup-cache");
    String previous = System.getProperty("anyup.models.cache");
    System.setProperty("anyup.models.cache", cache.toString());
    try {
      try (ModelBundle a = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.BILINEAR).build())) {
        assertEquals("bilinear", a.upsamplerRef().name());
      }
      List<Path> dirs;
      try (var s = Files.list(cache)) {
        dirs = s.toList();
      }
      assertEquals(1, dirs.size(), dirs.toString());
      assertTrue(dirs.get(0).getFileName().toString().matches("anyup-default-0\\.1\\.0-[0-9a-f]{16}"), dirs.toString());
      long modified = Files.getLastModifiedTime(dirs.get(0).resolve("encoder_224.onnx")).toMillis();
      try (ModelBundle b = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.BILINEAR).build())) {
        assertEquals(List.of(224, 448), b.inputSizes());
      }
      assertEquals(modified, Files.getLastModifiedTime(dirs.get(0).resolve("encoder_224.onnx")).toMillis());

      // a damaged cache copy is replaced, not reported as a broken bundle
      Files.write(dirs.get(0).resolve("encoder_448.onnx"), new byte[] {0});
      try (ModelBundle c = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.BILINEAR).build())) {
        assertEquals(List.of(224, 448), c.inputSizes());
      }
    } finally {
      if (previous == null) {
        System.clearProperty("anyup.models.cache");
      } else {
        System.setProperty("anyup.models.cache", previous);
      }
    }
  }
}
