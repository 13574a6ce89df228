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
    double invTwoSr = 1.0 / (2 * sigmaRange * sigmaRange);
    int side = 2 * radius + 1;
    float[] weights = new float[side * side];
    int[] index = new int[side * side];
    float[] feat = f.data();
    float[] out = new float[c * outPlane];
    double sy = (double) h / outH;
    double sx = (double) w / outW;
    for (int y = 0; y < outH; y++) {
      double py = (y + 0.5) * sy - 0.5;
      int cy = (int) Math.round(py);
      for (int x = 0; x < outW; x++) {
        double px = (x + 0.5) * sx - 0.5;
        int cx = (int) Math.round(px);
        int p = y * outW + x;
        float gr = guide[p];
        float gg = guide[outPlane + p];
        float gb = guide[2 * outPlane + p];
        int n = 0;
        double total = 0;
        for (int qy = Math.max(0, cy - radius); qy <= Math.min(h - 1, cy + radius); qy++) {
          double dy = qy - py;
          for (int qx = Math.max(0, cx - radius); qx <= Math.min(w - 1, cx + radius); qx++) {
            double dx = qx - px;
            int q = qy * w + qx;
            double dr = gr - low[q];
            double dg = gg - low[lowPlane + q];
            double db = gb - low[2 * lowPlane + q];
            double wt = Math.exp(-(dx * dx + dy * dy) * invTwoSs - (dr * dr + dg * dg + db * db) * invTwoSr);
            weights[n] = (float) wt;
            index[n++] = q;
            total += wt;
          }
        }
        if (total < 1e-30) {
          // guide colour unlike every neighbour (numerically): fall back to spatial weights only
          total = 0;
          n = 0;
          for (int qy = Math.max(0, cy - radius); qy <= Math.min(h - 1, cy + radius); qy++) {
            for (int qx = Math.max(0, cx - radius); qx <= Math.min(w - 1, cx + radius); qx++) {
              double d2 = (qx - px) * (qx - px) + (qy - py) * (qy - py);
              double wt = Math.exp(-d2 * invTwoSs);
              weights[n] = (float) wt;
              index[n++] = qy * w + qx;
              total += wt;
            }
          }
        }
        float inv = (float) (1.0 / total);
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
}
