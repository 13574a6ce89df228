package dev.anyup.streams.models.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.ResizeMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Heat maps against a brute-force cosine, and source points mapped through the preprocessing's transform. */
class PixelSimilarityTest {
  private static final int C = 6;
  private static final int H = 10;
  private static final int W = 12;

  /** Left half of the grid near feature A, right half near B (orthogonal), with noise. */
  private static FeatureMap twoRegions(long seed) {
    Random rnd = new Random(seed);
    float[] a = {1, 0.5f, 0, 0, 0.2f, 0};
    float[] b = {0, 0, 1, 0.7f, 0, 0.3f};
    float[] data = new float[C * H * W];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        float[] base = x < W / 2 ? a : b;
        for (int c = 0; c < C; c++) {
          data[c * H * W + y * W + x] = base[c] + 0.05f * (float) rnd.nextGaussian();
        }
      }
    }
    return new FeatureMap(C, H, W, data);
  }

  /** Brute force, one pixel pair at a time, in double. */
  private static float[] cosineTo(FeatureMap f, int px, int py) {
    int hw = f.height() * f.width();
    int q = py * f.width() + px;
    float[] out = new float[hw];
    for (int p = 0; p < hw; p++) {
      double dot = 0;
      double n1 = 0;
      double n2 = 0;
      for (int c = 0; c < f.channels(); c++) {
        double a = f.data()[c * hw + q];
        double b = f.data()[c * hw + p];
        dot += a * b;
        n1 += a * a;
        n2 += b * b;
      }
      out[p] = (float) (dot / Math.sqrt(n1 * n2));
    }
    return out;
  }

  @Test
  void heatMapIsTheCosineOfEveryPixelToTheChosenOne() {
    FeatureMap f = twoRegions(1);
    PixelSimilarity.Segmentation s = PixelSimilarity.segment(f, 2, 3, 0.5);
    assertEquals(2, s.featureX());
    assertEquals(3, s.featureY());
    assertEquals(W, s.width());
    assertArrayEquals(cosineTo(f, 2, 3), s.similarity(), 1e-6f);
    assertArrayEquals(cosineTo(f, 2, 3), PixelSimilarity.cosine(f, 2, 3), 1e-6f);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        assertEquals(x < W / 2, s.mask()[y * W + x], "mask at " + x + "," + y + " is the chosen region");
      }
    }
  }

  @Test
  void allZeroVectorsHaveSimilarityZero() {
    float[] data = new float[2 * 1 * 3];
    data[0] = 1; // pixel 0 = (1, 0); pixel 1 all zero; pixel 2 = (0, 1)
    data[2 * 3 - 1] = 1;
    float[] sim = PixelSimilarity.cosine(new FeatureMap(2, 1, 3, data), 0, 0);
    assertArrayEquals(new float[] {1, 0, 0}, sim, 0f);
    assertArrayEquals(new float[] {0, 0, 0}, PixelSimilarity.cosine(new FeatureMap(2, 1, 3, data), 1, 0), 0f);
  }

  @Test
  void sourcePointIsMappedThroughCropAndScale() {
    // a 200x100 source, centre-cropped to 100x100 (x 50..150), resized to 224, features at 56x56
    ImageTransform t = Preprocessor.create(224, ResizeMode.SHORTER_SIDE_CENTER_CROP, new float[] {0, 0, 0},
        new float[] {1, 1, 1}).transformFor(200, 100);
    assertEquals(50, t.cropX(), 1e-9);
    assertArrayEquals(new int[] {0, 0}, PixelSimilarity.featurePixel(t, 56, 56, 50, 0));
    assertArrayEquals(new int[] {28, 28}, PixelSimilarity.featurePixel(t, 56, 56, 100, 50));
    assertArrayEquals(new int[] {55, 55}, PixelSimilarity.featurePixel(t, 56, 56, 149.9, 99.9));
    assertArrayEquals(new int[] {8, 8}, PixelSimilarity.featurePixel(t, 16, 16, 100, 50), "the patch grid");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PixelSimilarity.featurePixel(t, 56, 56, 10, 50));
    assertTrue(e.getMessage().startsWith("point (10.0, 50.0) was cropped away before the model "
        + "(SHORTER_SIDE_CENTER_CROP kept x 50.0..150.0, y 0.0..100.0)"), e.getMessage());
  }

  @Test
  void letterboxPaddingIsSkipped() {
    // a 100x50 source letterboxed into 100x100: content rows 25..75
    ImageTransform t = Preprocessor.create(100, ResizeMode.LETTERBOX, new float[] {0, 0, 0},
        new float[] {1, 1, 1}).transformFor(100, 50);
    assertArrayEquals(new int[] {0, 25}, PixelSimilarity.featurePixel(t, 100, 100, 0, 0));
    assertArrayEquals(new int[] {99, 74}, PixelSimilarity.featurePixel(t, 100, 100, 99.5, 49.5));
  }

  @Test
  void segmentFromASourcePoint() {
    FeatureMap f = twoRegions(2);
    ImageTransform identity = new ImageTransform(W, H, W, H, 1, 1, 0, 0, W, H, 0, 0, W, H, ResizeMode.SQUASH);
    PixelSimilarity.Segmentation s = PixelSimilarity.segment(f, identity, 9.5, 5.5, 0.5);
    assertEquals(9, s.featureX());
    assertEquals(5, s.featureY());
    assertArrayEquals(cosineTo(f, 9, 5), s.similarity(), 1e-6f);
  }

  @Test
  void pointOutsideTheImage() {
    ImageTransform identity = new ImageTransform(W, H, W, H, 1, 1, 0, 0, W, H, 0, 0, W, H, ResizeMode.SQUASH);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PixelSimilarity.segment(twoRegions(3), identity, W, 0, 0.5));
    assertEquals("point (12.0, 0.0) is outside the source image (12x10)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PixelSimilarity.cosine(twoRegions(3), 0, H));
    assertEquals("feature pixel (0, 10) is outside the 12x10 map", e.getMessage());
  }

  @Test
  void threshold_outOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PixelSimilarity.segment(twoRegions(4), 0, 0, 1.5));
    assertEquals("threshold must be in [-1, 1] but was 1.5", e.getMessage());
    assertTrue(!PixelSimilarity.segment(twoRegions(4), 0, 0, 1.0).mask()[W - 1], "a far pixel is below 1");
  }
}
