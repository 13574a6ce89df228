package dev.anyup.streams.console;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.topology.DenseTensors;

/**
 * Click-to-segment, the standard way to inspect dense features: the cosine similarity of every feature pixel to the
 * clicked one, as a heat map and a thresholded mask. Runs on a {@link DenseFeatures} record's own tensor, whatever its
 * dtype (FLOAT32, FLOAT16, INT8 with per-channel scales) or projection (PCA-k channels: the similarity is then in the
 * projected space, which is what the record holds). The click is in SOURCE image pixels and is mapped to the feature
 * grid through the record's {@link Preprocessing} (resize, crop, pad), so the console can take clicks on the picture
 * the user sees. The web console will call this; it is Kafka- and HTTP-free.
 */
public final class ClickSegmenter {
  private ClickSegmenter() {}

  /**
   * The answer: the feature grid size, the feature pixel the click landed on, the similarity of every feature pixel
   * (row-major, {@code [-1, 1]}) and the mask {@code similarity >= threshold}.
   */
  public record Segmentation(int width, int height, int featureX, int featureY, float[] similarity, boolean[] mask,
      double threshold) {}

  /**
   * Segments {@code d} from the source-image pixel ({@code srcX}, {@code srcY}).
   *
   * @throws IllegalArgumentException naming the image and the point when it lies outside the source image or outside
   *     the region the model saw (cropped away), or when the threshold is outside {@code [-1, 1]}
   */
  public static Segmentation segment(DenseFeatures d, double srcX, double srcY, double threshold) {
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [-1, 1] but was " + threshold);
    }
    FeatureMap f = DenseTensors.decode(d);
    int[] at = featurePixel(d.getImageId(), d.getPreprocessing(), f.width(), f.height(), srcX, srcY);
    int w = f.width();
    int h = f.height();
    int c = f.channels();
    int hw = w * h;
    float[] x = f.data();
    int clicked = at[1] * w + at[0];
    double[] norms = new double[hw];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      for (int p = 0; p < hw; p++) {
        double v = x[base + p];
        norms[p] += v * v;
      }
    }
    double[] dots = new double[hw];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      double q = x[base + clicked];
      for (int p = 0; p < hw; p++) {
        dots[p] += q * x[base + p];
      }
    }
    double qn = Math.sqrt(norms[clicked]);
    float[] sim = new float[hw];
    boolean[] mask = new boolean[hw];
    for (int p = 0; p < hw; p++) {
      double denom = qn * Math.sqrt(norms[p]);
      sim[p] = denom == 0 ? 0f : (float) Math.max(-1, Math.min(1, dots[p] / denom));
      mask[p] = sim[p] >= threshold;
    }
    return new Segmentation(w, h, at[0], at[1], sim, mask, threshold);
  }

  /**
   * Source pixel → feature pixel: {@code x_in = (x_src − crop_x)·scale_x + pad_x} (the inverse of the README's
   * mapping), then scaled from the model input to the feature grid (which may be resized by output.dense.size).
   */
  static int[] featurePixel(String imageId, Preprocessing p, int featureW, int featureH, double srcX, double srcY) {
    if (srcX < 0 || srcY < 0 || srcX >= p.getSourceWidth() || srcY >= p.getSourceHeight()) {
      throw new IllegalArgumentException("point (" + srcX + ", " + srcY + ") is outside image " + imageId + " ("
          + p.getSourceWidth() + "x" + p.getSourceHeight() + ")");
    }
    if (srcX < p.getCropX() || srcY < p.getCropY() || srcX >= p.getCropX() + p.getCropWidth()
        || srcY >= p.getCropY() + p.getCropHeight()) {
      throw new IllegalArgumentException("point (" + srcX + ", " + srcY + ") of image " + imageId
          + " was cropped away before the model (" + p.getResizeMode() + " kept x " + p.getCropX() + ".."
          + (p.getCropX() + p.getCropWidth()) + ", y " + p.getCropY() + ".." + (p.getCropY() + p.getCropHeight())
          + ")");
    }
    double inX = (srcX - p.getCropX()) * p.getScaleX() + p.getPadX();
    double inY = (srcY - p.getCropY()) * p.getScaleY() + p.getPadY();
    int fx = (int) Math.floor(inX * featureW / p.getInputWidth());
    int fy = (int) Math.floor(inY * featureH / p.getInputHeight());
    return new int[] {Math.min(featureW - 1, Math.max(0, fx)), Math.min(featureH - 1, Math.max(0, fy))};
  }
}
