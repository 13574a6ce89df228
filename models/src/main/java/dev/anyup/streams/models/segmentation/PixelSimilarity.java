package dev.anyup.streams.models.segmentation;

import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageTransform;

/**
 * Click-to-segment, the standard way to look at dense features: the cosine similarity of every pixel's feature vector
 * to one chosen pixel's, as a heat map and a thresholded mask. Works on any {@link FeatureMap} (an upsampled map, the
 * patch grid, a PCA-projected or dequantised one: the similarity is in whatever space the map holds). A point of the
 * SOURCE image is mapped to its feature pixel through the {@link ImageTransform} the preprocessing recorded, so a
 * caller can take clicks on the picture the user sees. Stateless and thread-safe.
 */
public final class PixelSimilarity {
  private PixelSimilarity() {}

  /**
   * A heat map: the map's size, the feature pixel compared against, the similarity of every pixel (row-major, in
   * {@code [-1, 1]}; 0 where either vector is all zeros) and the mask {@code similarity >= threshold}.
   */
  public record Segmentation(int width, int height, int featureX, int featureY, float[] similarity, boolean[] mask,
      double threshold) {}

  /**
   * The cosine similarity of every pixel of {@code features} to pixel ({@code x}, {@code y}), row-major, computed in
   * double precision and clamped to {@code [-1, 1]}.
   *
   * @throws IllegalArgumentException when the pixel is outside the map
   */
  public static float[] cosine(FeatureMap features, int x, int y) {
    if (x < 0 || y < 0 || x >= features.width() || y >= features.height()) {
      throw new IllegalArgumentException("feature pixel (" + x + ", " + y + ") is outside the " + features.width()
          + "x" + features.height() + " map");
    }
    int w = features.width();
    int hw = w * features.height();
    int c = features.channels();
    float[] v = features.data();
    int clicked = y * w + x;
    double[] norms = new double[hw];
    double[] dots = new double[hw];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      double q = v[base + clicked];
      for (int p = 0; p < hw; p++) {
        double a = v[base + p];
        norms[p] += a * a;
        dots[p] += q * a;
      }
    }
    double qn = Math.sqrt(norms[clicked]);
    float[] sim = new float[hw];
    for (int p = 0; p < hw; p++) {
      double denom = qn * Math.sqrt(norms[p]);
      sim[p] = denom == 0 ? 0f : (float) Math.max(-1, Math.min(1, dots[p] / denom));
    }
    return sim;
  }

  /**
   * Segments {@code features} from feature pixel ({@code x}, {@code y}).
   *
   * @throws IllegalArgumentException when the pixel is outside the map or {@code threshold} outside {@code [-1, 1]}
   */
  public static Segmentation segment(FeatureMap features, int x, int y, double threshold) {
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [-1, 1] but was " + threshold);
    }
    float[] sim = cosine(features, x, y);
    boolean[] mask = new boolean[sim.length];
    for (int p = 0; p < sim.length; p++) {
      mask[p] = sim[p] >= threshold;
    }
    return new Segmentation(features.width(), features.height(), x, y, sim, mask, threshold);
  }

  /**
   * Segments {@code features} from the SOURCE image point ({@code srcX}, {@code srcY}), mapped through {@code t} (the
   * transform of the preprocessing the features were made from, {@code PreprocessedImage.transform()}).
   *
   * @throws IllegalArgumentException when the point is outside the source image, cropped away before the model, or
   *     {@code threshold} is outside {@code [-1, 1]}
   */
  public static Segmentation segment(FeatureMap features, ImageTransform t, double srcX, double srcY,
      double threshold) {
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [-1, 1] but was " + threshold);
    }
    int[] at = featurePixel(t, features.width(), features.height(), srcX, srcY);
    return segment(features, at[0], at[1], threshold);
  }

  /**
   * The pixel {@code {x, y}} of a {@code gridWidth × gridHeight} feature map over the model input of {@code t} that
   * the source point ({@code srcX}, {@code srcY}) falls in: the point is mapped into the model input
   * ({@link ImageTransform#toTarget}: resize, crop, pad), then scaled to the grid (which may be the patch grid or a
   * resized output, not only the input size).
   *
   * @throws IllegalArgumentException when the point is outside the source image or in a part cropped away
   */
  public static int[] featurePixel(ImageTransform t, int gridWidth, int gridHeight, double srcX, double srcY) {
    if (gridWidth <= 0 || gridHeight <= 0) {
      throw new IllegalArgumentException("grid size must be positive but was " + gridWidth + "x" + gridHeight);
    }
    if (!(srcX >= 0 && srcY >= 0 && srcX < t.sourceWidth() && srcY < t.sourceHeight())) {
      throw new IllegalArgumentException("point (" + srcX + ", " + srcY + ") is outside the source image ("
          + t.sourceWidth() + "x" + t.sourceHeight() + ")");
    }
    if (srcX < t.cropX() || srcY < t.cropY() || srcX >= t.cropX() + t.cropWidth()
        || srcY >= t.cropY() + t.cropHeight()) {
      throw new IllegalArgumentException("point (" + srcX + ", " + srcY + ") was cropped away before the model ("
          + t.mode() + " kept x " + fmt(t.cropX()) + ".." + fmt(t.cropX() + t.cropWidth()) + ", y " + fmt(t.cropY())
          + ".." + fmt(t.cropY() + t.cropHeight()) + ")");
    }
    double[] in = t.toTarget(srcX, srcY);
    int fx = (int) Math.floor(in[0] * gridWidth / t.targetWidth());
    int fy = (int) Math.floor(in[1] * gridHeight / t.targetHeight());
    return new int[] {Math.min(gridWidth - 1, Math.max(0, fx)), Math.min(gridHeight - 1, Math.max(0, fy))};
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.1f", v);
  }
}
