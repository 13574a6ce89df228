package dev.anyup.streams.models;

/** Compact vectors for retrieval, pooled from {@link FeatureResult}s. A zero vector stays zero (no NaN). */
public final class Embeddings {

  private Embeddings() {}

  /** The L2-normalised global vector: the CLS token when the encoder gives one, else the mean of the patch features. */
  public static float[] global(FeatureResult result) {
    if (result == null) {
      throw new IllegalArgumentException("result must not be null");
    }
    if (result.cls() != null) {
      return normalise(result.cls().clone());
    }
    FeatureMap f = result.patchFeatures();
    return normalise(meanOver(f, 0, f.height(), 0, f.width()));
  }

  /**
   * {@code grid × grid} region vectors, row-major (index {@code row * grid + col}); cell {@code (i, j)} covers rows
   * {@code [i*H/grid, (i+1)*H/grid)} and likewise columns; each vector is the cell mean, L2-normalised.
   */
  public static float[][] regions(FeatureMap upsampled, int grid) {
    if (upsampled == null) {
      throw new IllegalArgumentException("upsampled must not be null");
    }
    if (grid <= 0 || grid > Math.min(upsampled.height(), upsampled.width())) {
      throw new IllegalArgumentException("grid must be in 1.." + Math.min(upsampled.height(), upsampled.width())
          + ", was " + grid);
    }
    float[][] out = new float[grid * grid][];
    for (int i = 0; i < grid; i++) {
      int y0 = i * upsampled.height() / grid;
      int y1 = (i + 1) * upsampled.height() / grid;
      for (int j = 0; j < grid; j++) {
        int x0 = j * upsampled.width() / grid;
        int x1 = (j + 1) * upsampled.width() / grid;
        out[i * grid + j] = normalise(meanOver(upsampled, y0, y1, x0, x1));
      }
    }
    return out;
  }

  private static float[] meanOver(FeatureMap f, int y0, int y1, int x0, int x1) {
    float[] v = new float[f.channels()];
    float[] d = f.data();
    int plane = f.height() * f.width();
    double n = (double) (y1 - y0) * (x1 - x0);
    for (int c = 0; c < f.channels(); c++) {
      double sum = 0;
      for (int y = y0; y < y1; y++) {
        int row = c * plane + y * f.width();
        for (int x = x0; x < x1; x++) {
          sum += d[row + x];
        }
      }
      v[c] = (float) (sum / n);
    }
    return v;
  }

  static float[] normalise(float[] v) {
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    if (sq > 0) {
      float inv = (float) (1.0 / Math.sqrt(sq));
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
    return v;
  }
}
