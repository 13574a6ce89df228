package dev.anyup.streams.models;

/**
 * {@link FeatureUpsampler#jointBilateral}. The guide is the normalised model input resized to the output size; each
 * feature pixel's guide colour is the mean of the image area it covers, so a feature pixel straddling an edge is
 * trusted on the side its colour matches.
 */
final class JointBilateralUpsampler implements FeatureUpsampler {

  private final double sigmaSpatial;
  private final double sigmaRange;
  private final int radius;

  JointBilateralUpsampler(double sigmaSpatial, double sigmaRange, int radius) {
    if (!(sigmaSpatial > 0)) {
      throw new IllegalArgumentException("sigmaSpatial must be positive, was " + sigmaSpatial);
    }
    if (!(sigmaRange > 0)) {
      throw new IllegalArgumentException("sigmaRange must be positive, was " + sigmaRange);
    }
    if (radius < 1 || radius > 8) {
      throw new IllegalArgumentException("radius must be in 1..8, was " + radius);
    }
    this.sigmaSpatial = sigmaSpatial;
    this.sigmaRange = sigmaRange;
    this.radius = radius;
  }

  @Override
  public String name() {
    return "jbu";
  }

  /** The name and every setting, e.g. {@code jbu sigma_spatial=1.0 sigma_range=0.5 radius=2}. */
  @Override
  public String toString() {
    return "jbu sigma_spatial=" + sigmaSpatial + " sigma_range=" + sigmaRange + " radius=" + radius;
  }

  @Override
  public FeatureMap upsample(FeatureMap f, PreprocessedImage image, int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException("output size must be positive, was " + outW + "x" + outH);
    }
    if (image == null) {
      throw new IllegalArgumentException("joint bilateral upsampling needs the guide image");
    }
    int c = f.channels();
    int h = f.height();
    int w = f.width();
    // guide at output resolution and at feature resolution (area mean)
    float[] guide = ResampleFilter.resize(image.chw(), 3, image.height(), image.width(), outH, outW);
    float[] low = ResampleFilter.resize(image.chw(), 3, image.height(), image.width(), h, w);
    int outPlane = outH * outW;
    int lowPlane = h * w;
    double invTwoSs = 1.0 / (2 * sigmaSpatial * sigmaSpatial);
    float invTwoSr = (float) (1.0 / (2 * sigmaRange * sigmaRange));
    int side = 2 * radius + 1;
    // spatial weights are separable and depend only on the output row / column: precompute them
    int[] firstRow = new int[outH];
    float[] wy = spatial(outH, h, invTwoSs, firstRow);
    int[] firstCol = new int[outW];
    float[] wx = spatial(outW, w, invTwoSs, firstCol);
    float[] weights = new float[side * side];
    int[] index = new int[side * side];
    float[] feat = f.data();
    float[] out = new float[c * outPlane];
    for (int y = 0; y < outH; y++) {
      int qy0 = firstRow[y];
      int ny = Math.min(h, qy0 + side) - qy0;
      for (int x = 0; x < outW; x++) {
        int qx0 = firstCol[x];
        int nx = Math.min(w, qx0 + side) - qx0;
        int p = y * outW + x;
        float gr = guide[p];
        float gg = guide[outPlane + p];
        float gb = guide[2 * outPlane + p];
        int n = 0;
        float total = 0;
        float spatialTotal = 0;
        for (int ky = 0; ky < ny; ky++) {
          float sy = wy[y * side + ky];
          int row = (qy0 + ky) * w;
          for (int kx = 0; kx < nx; kx++) {
            int q = row + qx0 + kx;
            float dr = gr - low[q];
            float dg = gg - low[lowPlane + q];
            float db = gb - low[2 * lowPlane + q];
            float spatial = sy * wx[x * side + kx];
            float wt = spatial * ExpTable.expNeg((dr * dr + dg * dg + db * db) * invTwoSr);
            weights[n] = wt;
            index[n++] = q;
            total += wt;
            spatialTotal += spatial;
          }
        }
        if (total < 1e-12f * spatialTotal) {
          // guide colour unlike every neighbour: fall back to spatial weights only
          n = 0;
          total = 0;
          for (int ky = 0; ky < ny; ky++) {
            for (int kx = 0; kx < nx; kx++) {
              float wt = wy[y * side + ky] * wx[x * side + kx];
              weights[n] = wt;
              index[n++] = (qy0 + ky) * w + qx0 + kx;
              total += wt;
            }
          }
        }
        float inv = 1f / total;
        for (int ch = 0; ch < c; ch++) {
          int base = ch * lowPlane;
          float acc = 0;
          for (int k = 0; k < n; k++) {
            acc += weights[k] * feat[base + index[k]];
          }
          out[ch * outPlane + p] = acc * inv;
        }
      }
    }
    return new FeatureMap(c, outH, outW, out);
  }

  /**
   * Gaussian weights of the low-resolution neighbours of each output index along one axis: {@code first[i]} is the
   * first neighbour, {@code result[i * side + k]} the weight of neighbour {@code first[i] + k}.
   */
  private float[] spatial(int outN, int lowN, double invTwoSs, int[] first) {
    int side = 2 * radius + 1;
    float[] wts = new float[outN * side];
    double scale = (double) lowN / outN;
    for (int i = 0; i < outN; i++) {
      double pos = (i + 0.5) * scale - 0.5;
      int centre = (int) Math.round(pos);
      int q0 = Math.max(0, centre - radius);
      int q1 = Math.min(lowN - 1, centre + radius);
      first[i] = q0;
      for (int q = q0; q <= q1; q++) {
        double d = q - pos;
        wts[i * side + (q - q0)] = (float) Math.exp(-d * d * invTwoSs);
      }
    }
    return wts;
  }
}
