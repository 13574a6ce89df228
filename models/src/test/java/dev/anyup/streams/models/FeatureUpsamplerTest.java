package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FeatureUpsamplerTest {

  private static final int S = 224;
  private static final int PATCH = 14;
  private static final int EDGE = 101; // not on a patch boundary (7*14 = 98, 8*14 = 112)

  /** Left of EDGE dark blue, right bright orange; normalised like a bundle would. */
  private static PreprocessedImage twoRegionImage() {
    byte[] rgb = new byte[S * S * 3];
    for (int y = 0; y < S; y++) {
      for (int x = 0; x < S; x++) {
        int i = (y * S + x) * 3;
        boolean left = x < EDGE;
        rgb[i] = (byte) (left ? 20 : 240);
        rgb[i + 1] = (byte) (left ? 40 : 150);
        rgb[i + 2] = (byte) (left ? 160 : 30);
      }
    }
    return Preprocessor.create(S, ResizeMode.SQUASH, PreprocessorTest.MEAN, PreprocessorTest.STD)
        .apply(new DecodedImage(S, S, rgb, "test"));
  }

  /** Two channels per patch: the fraction of the patch left of the edge, and its complement (what a patch encoder sees). */
  private static FeatureMap patchFeatures() {
    int g = S / PATCH;
    float[] data = new float[2 * g * g];
    for (int y = 0; y < g; y++) {
      for (int x = 0; x < g; x++) {
        float leftFraction = Math.max(0, Math.min(PATCH, EDGE - x * PATCH)) / (float) PATCH;
        data[y * g + x] = leftFraction;
        data[g * g + y * g + x] = 1 - leftFraction;
      }
    }
    return new FeatureMap(2, g, g, data);
  }

  /** Pixels whose channel-0 feature is more than 0.25 away from the true region label: transitions leaking off the edge. */
  private static int leakedPixels(FeatureMap up) {
    int count = 0;
    for (int y = 0; y < up.height(); y++) {
      for (int x = 0; x < up.width(); x++) {
        float truth = x < EDGE ? 1f : 0f;
        if (Math.abs(up.get(0, y, x) - truth) > 0.25f) {
          count++;
        }
      }
    }
    return count;
  }

  @Test
  void jointBilateralLeaksFarFewerTransitionsAcrossTheEdgeThanBilinear() {
    PreprocessedImage image = twoRegionImage();
    FeatureMap low = patchFeatures();
    int bilinear = leakedPixels(FeatureUpsampler.bilinear().upsample(low, image, S, S));
    int jbu = leakedPixels(FeatureUpsampler.jointBilateral().upsample(low, image, S, S));
    // measured: bilinear 2016 (9 px per row), JBU 0 — JBU snaps to the colour edge
    assertTrue(bilinear > 4 * S, "bilinear leaked " + bilinear);
    assertTrue(jbu <= bilinear / 10, "jbu leaked " + jbu + " vs bilinear " + bilinear);
  }

  @Test
  void bothPreserveAConstantFieldForAnyChannelCountAndSize() {
    PreprocessedImage image = twoRegionImage();
    float[] data = new float[5 * 16 * 16];
    for (int c = 0; c < 5; c++) {
      java.util.Arrays.fill(data, c * 256, (c + 1) * 256, c - 2f);
    }
    FeatureMap low = new FeatureMap(5, 16, 16, data);
    for (FeatureUpsampler up : new FeatureUpsampler[] {FeatureUpsampler.bilinear(), FeatureUpsampler.jointBilateral()}) {
      FeatureMap out = up.upsample(low, image, 50, 70);
      assertEquals(5, out.channels());
      assertEquals(50, out.height());
      assertEquals(70, out.width());
      for (int c = 0; c < 5; c++) {
        assertEquals(c - 2f, out.get(c, 25, 33), 1e-5f, up.name());
        assertEquals(c - 2f, out.get(c, 0, 69), 1e-5f, up.name());
      }
    }
  }

  @Test
  void bilinearMatchesAlignCornersFalseInterpolation() {
    // 1x2 map [0, 1] upsampled to 1x4: torch gives [0, 0.25, 0.75, 1]
    FeatureMap out = FeatureUpsampler.bilinear().upsample(new FeatureMap(1, 1, 2, new float[] {0f, 1f}), null, 1, 4);
    float[] expected = {0f, 0.25f, 0.75f, 1f};
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i], out.data()[i], 1e-6f);
    }
  }
}
