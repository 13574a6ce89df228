package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code verify-bundle} with Upsample Anything: the default bundle's committed reference ({@link
 * UpsampleAnythingReference}) is reproduced, and the fit behind it is the same bit for bit on 1 and 2 threads.
 * Regenerate the reference (after a deliberate change of the arithmetic) with
 * {@code -Dupsample.anything.reference.write=true}.
 */
class UpsampleAnythingReferenceTest {

  private static Npy resource(String name) throws IOException {
    try (InputStream in = OnnxResources.class.getResourceAsStream(name)) {
      return Npy.parse(in.readAllBytes());
    }
  }

  /** Anchor for the default bundle's class-path folder. */
  private static final class OnnxResources {}

  @Test
  void defaultBundleReproducesItsUpsampleAnythingReferenceOnAnyThreadCount() throws IOException {
    String dir = "/dev/anyup/streams/models/default-bundle/";
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.builder()
        .upsampler(UpsamplerKind.UPSAMPLE_ANYTHING).upsampleAnything(UpsampleAnythingOptions.defaults().withThreads(2))
        .build())) {
      Npy image = resource(dir + "ref/ref_224_image.npy");
      Npy feat = resource(dir + "ref/ref_224_patch_features.npy");
      int[] s = feat.shape();
      FeatureMap features = new FeatureMap(s[s.length - 3], s[s.length - 2], s[s.length - 1], feat.data());
      FeatureMap one = UpsampleAnythingReference.run(bundle.manifest(), image.data(), features, 224, 1);
      UpsampleAnythingReference.Entry e = UpsampleAnythingReference.DEFAULT_224;
      int n = e.channels() * 224 * 224;
      if (Boolean.getBoolean("upsample.anything.reference.write")) {
        Path out = Path.of("src/main/resources/dev/anyup/streams/models").resolve(e.resource());
        Files.createDirectories(out.getParent());
        Npy.write(out, new FeatureMap(e.channels(), 224, 224, Arrays.copyOf(one.data(), n)));
      }

      VerificationReport report = bundle.verify();
      List<VerificationReport.Check> ua = report.checks().stream()
          .filter(c -> c.tensor().equals(UpsampleAnythingReference.TENSOR)).toList();
      assertEquals(1, ua.size(), report.checks().toString());
      assertTrue(ua.get(0).passed(), ua.get(0).toString());
      assertTrue(report.passed(), report.checks().toString());
      // the committed map was written on this architecture: 2 threads (verify) and 1 thread (here) reproduce it exactly
      assertEquals(0.0, ua.get(0).maxAbsError(), "2 threads vs the committed reference");
      assertArrayEquals(UpsampleAnythingReference.load(e).data(), Arrays.copyOf(one.data(), n),
          "1 thread vs the committed reference");
    }
  }

  @Test
  void otherUpsamplersAddNoUpsampleAnythingCheck() {
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.BILINEAR)
        .build())) {
      assertTrue(bundle.verify().checks().stream().noneMatch(c -> c.tensor().equals(UpsampleAnythingReference.TENSOR)));
    }
  }
}
