package dev.anyup.streams.models;

/**
 * A linear channel projection (PCA basis from a bundle): {@code y[o] = sum_i basis[o][i] * (x[i] - mean[i])}.
 * Immutable and thread-safe.
 */
public final class Projection {

  private final String id;
  private final int inChannels;
  private final int outChannels;
  private final float[] basis;
  private final float[] mean;

  /**
   * @param id projection id recorded with encoded tensors
   * @param basis {@code outChannels * inChannels} floats, row-major {@code [out, in]}
   * @param mean {@code inChannels} floats subtracted first, or {@code null} for none
   */
  public Projection(String id, int inChannels, int outChannels, float[] basis, float[] mean) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("projection id must not be blank");
    }
    if (inChannels <= 0 || outChannels <= 0) {
      throw new IllegalArgumentException("projection " + id + ": channels must be positive, was " + inChannels + "->" + outChannels);
    }
    if (basis == null || basis.length != inChannels * outChannels) {
      throw new IllegalArgumentException("projection " + id + ": basis must hold " + (inChannels * outChannels)
          + " floats, was " + (basis == null ? "null" : basis.length));
    }
    if (mean != null && mean.length != inChannels) {
      throw new IllegalArgumentException("projection " + id + ": mean must hold " + inChannels + " floats, was " + mean.length);
    }
    this.id = id;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.basis = basis.clone();
    this.mean = mean == null ? new float[inChannels] : mean.clone();
  }

  public String id() {
    return id;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  /** Projects every pixel's channel vector. */
  public FeatureMap apply(FeatureMap map) {
    if (map.channels() != inChannels) {
      throw new IllegalArgumentException("projection " + id + " expects " + inChannels + " channels, map has " + map.channels());
    }
    int hw = map.height() * map.width();
    float[] in = map.data();
    float[] out = new float[outChannels * hw];
    for (int i = 0; i < inChannels; i++) {
      float m = mean[i];
      int inOff = i * hw;
      for (int o = 0; o < outChannels; o++) {
        float w = basis[o * inChannels + i];
        if (w == 0f) {
          continue;
        }
        int outOff = o * hw;
        for (int p = 0; p < hw; p++) {
          out[outOff + p] += w * (in[inOff + p] - m);
        }
      }
    }
    return new FeatureMap(outChannels, map.height(), map.width(), out);
  }
}
