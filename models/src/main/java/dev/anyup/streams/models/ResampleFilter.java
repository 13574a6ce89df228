package dev.anyup.streams.models;

/** Precomputed 1-D resampling weights (PyTorch antialiased bilinear) for a range of output indices. */
final class ResampleFilter {
  final int[] start;
  final int[] size;
  final float[] weights;
  final int stride;

  private ResampleFilter(int[] start, int[] size, float[] weights, int stride) {
    this.start = start;
    this.size = size;
    this.weights = weights;
    this.stride = stride;
  }

  /**
   * Weights of outputs {@code first .. first+count-1} when resizing {@code in} samples to {@code out}, as PyTorch's
   * {@code _upsample_bilinear2d_aa}: scale = in/out, support = max(scale, 1), triangle filter stretched by the
   * downscale factor, taps normalised to sum 1.
   */
  static ResampleFilter antialiasedBilinear(int in, int out, int first, int count) {
    return antialiasedBilinear(in, (double) in / out, first, count);
  }

  /**
   * As {@link #antialiasedBilinear(int, int, int, int)} over a grid of {@code in} samples of which each output covers
   * {@code scale}: a source decoded at 1/k scale is read with {@code scale = (source / out) / k}, the same filter on the
   * same source positions.
   */
  static ResampleFilter antialiasedBilinear(int in, double scale, int first, int count) {
    double support = scale >= 1.0 ? scale : 1.0;
    double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
    int stride = (int) Math.ceil(support) * 2 + 1;
    int[] start = new int[count];
    int[] size = new int[count];
    float[] weights = new float[count * stride];
    double[] w = new double[stride];
    for (int i = 0; i < count; i++) {
      double center = scale * (first + i + 0.5);
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), in);
      int n = xmax - xmin;
      double total = 0;
      for (int j = 0; j < n; j++) {
        double v = 1.0 - Math.abs((j + xmin - center + 0.5) * invScale);
        w[j] = v > 0 ? v : 0;
        total += w[j];
      }
      start[i] = xmin;
      size[i] = n;
      for (int j = 0; j < n; j++) {
        weights[i * stride + j] = (float) (total != 0 ? w[j] / total : 0);
      }
    }
    return new ResampleFilter(start, size, weights, stride);
  }

  /**
   * Resizes every channel of a CHW float map; antialiased when shrinking, plain bilinear ({@code align_corners=False})
   * when enlarging.
   */
  static float[] resize(float[] chw, int channels, int h, int w, int outH, int outW) {
    if (h == outH && w == outW) {
      return chw.clone();
    }
    ResampleFilter fx = antialiasedBilinear(w, outW, 0, outW);
    ResampleFilter fy = antialiasedBilinear(h, outH, 0, outH);
    float[] tmp = new float[h * outW];
    float[] out = new float[channels * outH * outW];
    for (int c = 0; c < channels; c++) {
      int base = c * h * w;
      for (int y = 0; y < h; y++) {
        int row = base + y * w;
        for (int x = 0; x < outW; x++) {
          int k0 = fx.start[x];
          int wo = x * fx.stride;
          float acc = 0;
          for (int k = 0; k < fx.size[x]; k++) {
            acc += fx.weights[wo + k] * chw[row + k0 + k];
          }
          tmp[y * outW + x] = acc;
        }
      }
      int obase = c * outH * outW;
      for (int y = 0; y < outH; y++) {
        int k0 = fy.start[y];
        int wo = y * fy.stride;
        int orow = obase + y * outW;
        for (int k = 0; k < fy.size[y]; k++) {
          float wt = fy.weights[wo + k];
          int trow = (k0 + k) * outW;
          for (int x = 0; x < outW; x++) {
            out[orow + x] += wt * tmp[trow + x];
          }
        }
      }
    }
    return out;
  }
}
