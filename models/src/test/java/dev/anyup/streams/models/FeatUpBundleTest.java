package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bundle whose upsampler is FeatUp's JBU stack as the export tool writes it ({@code --upsampler featup-jbu}; the
 * tiny bundle in src/test/resources/.../onnx/featup-bundle, rebuilt by its {@code make_featup_bundle.sh}: seeded
 * weights, 8 channels, 56x56): it loads through the manifest like AnyUp, runs on ONNX Runtime, and reproduces the
 * export tool's reference tensors (upstream's maths in PyTorch) at batch 1 and 2.
 */
class FeatUpBundleTest {

  /** ONNX Runtime against PyTorch on features of magnitude ~2 (measured: ~1e-6); the bundle's own atol is 1e-3. */
  private static final double TOLERANCE = 1e-4;

  private static Path bundle() {
    try {
      return Paths.get(FeatUpBundleTest.class.getResource(
          "/dev/anyup/streams/models/onnx/featup-bundle/manifest.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void upsamplerIsNamedByTheManifest() {
    try (ModelBundle b = ModelBundle.load(bundle(), InferenceOptions.defaults())) {
      assertEquals("featup-jbu", b.upsamplerRef().name());
      assertEquals(List.of(56), b.inputSizes());
    }
  }

  @Test
  void verifyReproducesTheExportToolsReferenceTensors() {
    try (ModelBundle b = ModelBundle.load(bundle(), InferenceOptions.defaults())) {
      VerificationReport report = b.verify();
      assertEquals(2, report.checks().size(), report.toString()); // patch features and upsampled
      for (VerificationReport.Check c : report.checks()) {
        assertTrue(c.maxAbsError() <= TOLERANCE, c.toString());
      }
    }
  }

  @Test
  void batchOfTwo_givesTheReferenceForEachItem() throws IOException {
    Npy image = Npy.read(bundle().resolve("ref/ref_56_image.npy"));
    Npy upsampled = Npy.read(bundle().resolve("ref/ref_56_upsampled.npy"));
    assertArrayEquals(new int[] {1, 8, 56, 56}, upsampled.shape());
    ImageTransform identity = new ImageTransform(56, 56, 56, 56, 1, 1, 0, 0, 56, 56, 0, 0, 56, 56, ResizeMode.SQUASH);
    PreprocessedImage input = new PreprocessedImage(image.data(), 56, 56, identity);
    try (ModelBundle b = ModelBundle.load(bundle(), InferenceOptions.defaults())) {
      List<FeatureResult> results = b.extractor(56).run(List.of(input, input));
      assertEquals(2, results.size());
      for (FeatureResult r : results) {
        FeatureMap up = r.upsampled();
        assertEquals(8, up.channels());
        assertEquals(56, up.height());
        assertEquals(56, up.width());
        double max = 0;
        float[] expected = upsampled.data();
        for (int i = 0; i < expected.length; i++) {
          max = Math.max(max, Math.abs((double) up.data()[i] - expected[i]));
        }
        assertTrue(max <= TOLERANCE, "max |diff| " + max);
      }
    }
  }
}
