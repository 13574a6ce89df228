package dev.anyup.streams.models;

import java.util.stream.IntStream;

/**
 * The per-image kernel of Upsample Anything (Seo et al., arXiv 2511.16301): one anisotropic Gaussian per low-resolution
 * cell (σx, σy, rotation θ) times a range Gaussian (σr) on the colour difference between an output pixel and the
 * cell's colour; each output pixel is the softmax-weighted mean of the cells within a radius of its nearest cell.
 * {@link #fit} finds the parameters with Adam so that the image, bicubically downsampled to the cell grid and
 * upsampled through the kernel, reconstructs itself (L1 loss); {@link #apply} then upsamples any features on that grid.
 *
 * <p>Same maths, same float32 operation order where it matters, as the upstream PyTorch code
 * ({@code seominseok0429/Upsample-Anything_Pytorch} at {@code 6a02ae7}, {@code gs_jbu_aniso_noparent} and {@code UPA}),
 * which materialises every intermediate as a [(2R+1)², H, W] tensor: here forward and analytic backward are fused
 * per output pixel over its neighbour window (a few KB of scratch per thread), and the gradient is accumulated per
 * cell in four sums from which the parameter gradients follow in closed form. Rows of output pixels are split into
 * bands that run in parallel, each with its own gradient sums, added in band order, so a fit is deterministic
 * whatever the thread count.
 *
 * <p>Parameters are stored as upstream's raw values: σx = exp(sxRaw), σy = exp(syRaw), θ = π·tanh(thRaw),
 * σr = exp(srRaw); σ in output pixels, σr in [0,1] colour units.
 */
final class AnisotropicKernel {

  /** Upstream's initial σx = σy (output pixels) and σr. */
  static final float INIT_SIGMA = 16f;
  static final float INIT_SIGMA_R = 0.12f;
  /** Upstream's dynamic radius: ceil(2·max(σx, σy)) output pixels, clamped to 1..radius cells. */
  private static final float ALPHA_DYN = 2f;
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPS = 1e-8f;
  /** Apply-time weights below this (relative to the largest, 1) are left out of the feature sums. */
  private static final float MIN_WEIGHT = 0x1p-24f;
  /** As PyTorch casts {@code 1 - beta} computed in double. */
  private static final float ONE_MINUS_BETA1 = (float) (1 - 0.9);
  private static final float ONE_MINUS_BETA2 = (float) (1 - 0.999);

  final int h;
  final int w;
  final int scale;
  final float[] sxRaw;
  final float[] syRaw;
  final float[] thRaw;
  final float[] srRaw;

  AnisotropicKernel(int h, int w, int scale, float[] sxRaw, float[] syRaw, float[] thRaw, float[] srRaw) {
    this.h = h;
    this.w = w;
    this.scale = scale;
    this.sxRaw = sxRaw;
    this.syRaw = syRaw;
    this.thRaw = thRaw;
    this.srRaw = srRaw;
  }

  /** Upstream's initial parameters for an {@code h × w} grid. */
  static AnisotropicKernel initial(int h, int w, int scale) {
    int n = h * w;
    float[] sx = new float[n];
    float[] sy = new float[n];
    float[] sr = new float[n];
    java.util.Arrays.fill(sx, (float) Math.log(INIT_SIGMA));
    java.util.Arrays.fill(sy, (float) Math.log(INIT_SIGMA));
    java.util.Arrays.fill(sr, (float) Math.log(INIT_SIGMA_R));
    return new AnisotropicKernel(h, w, scale, sx, sy, new float[n], sr);
  }

  AnisotropicKernel copy() {
    return new AnisotropicKernel(h, w, scale, sxRaw.clone(), syRaw.clone(), thRaw.clone(), srRaw.clone());
  }

  /** What {@link #fit} did: the kernel, the steps run and the loss before each step. */
  record Fit(AnisotropicKernel kernel, int steps, float[] losses) {
    float lastLoss() {
      return losses[steps - 1];
    }
  }

  /**
   * Fits the kernel to {@code guide} ([3, H, W], colours in [0, 1], H = h·scale, W = w·scale), starting from
   * {@code start} (not modified). Runs {@code options.steps()} Adam steps, or fewer when {@code stopAtLoss} is positive
   * and a step's loss (measured before its update) is at or below it.
   */
  static Fit fit(float[] guide, int h, int w, int scale, AnisotropicKernel start, UpsampleAnythingOptions options,
      float stopAtLoss) {
    int bigH = h * scale;
    int bigW = w * scale;
    if (guide.length != 3 * bigH * bigW) {
      throw new IllegalArgumentException("guide must hold 3*" + bigH + "*" + bigW + " floats, was " + guide.length);
    }
    AnisotropicKernel k = start == null ? initial(h, w, scale) : start.copy();
    float[] low = bicubicDown(guide, bigH, bigW, scale, h, w);
    float[] guideLow = bilinear(guide, 3, bigH, bigW, h, w);
    int n = h * w;
    float[][] params = {k.sxRaw, k.syRaw, k.thRaw, k.srRaw};
    float[][] m1 = new float[4][n];
    float[][] m2 = new float[4][n];
    float[] losses = new float[options.steps()];
    int steps = 0;
    for (int step = 0; step < options.steps(); step++) {
      float[][] grad = new float[4][n];
      double loss = k.pass(guide, low, 3, guideLow, null, grad, options);
      losses[step] = (float) loss;
      steps++;
      if (stopAtLoss > 0 && loss <= stopAtLoss) {
        break;
      }
      // torch.optim.Adam (single tensor), step t = step + 1; learning rate from LambdaLR in double
      int t = step + 1;
      double bc1 = 1 - Math.pow(0.9, t);
      float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(0.999, t));
      float stepSize = (float) (options.rate(step) / bc1);
      for (int p = 0; p < 4; p++) {
        float[] v = params[p];
        float[] g = grad[p];
        float[] a = m1[p];
        float[] b = m2[p];
        for (int i = 0; i < n; i++) {
          a[i] = a[i] * BETA1 + g[i] * ONE_MINUS_BETA1;
          b[i] = b[i] * BETA2 + ONE_MINUS_BETA2 * g[i] * g[i];
          float denom = (float) Math.sqrt(b[i]) / bc2Sqrt + EPS;
          v[i] = v[i] + -stepSize * a[i] / denom;
        }
      }
    }
    return new Fit(k, steps, losses);
  }

  /**
   * Upsamples {@code features} ([c, h, w]) to [c, H, W] through this kernel, guided by {@code guide} ([3, H, W] in
   * [0, 1]).
   */
  FeatureMap apply(float[] guide, FeatureMap features, UpsampleAnythingOptions options) {
    if (features.height() != h || features.width() != w) {
      throw new IllegalArgumentException("features are " + features.height() + "x" + features.width()
          + " but the kernel was fitted on " + h + "x" + w);
    }
    int c = features.channels();
    int bigH = h * scale;
    int bigW = w * scale;
    float[] guideLow = bilinear(guide, 3, bigH, bigW, h, w);
    // cell-major copy of the features: each neighbour adds one contiguous row of c values
    float[] f = features.data();
    float[] cells = new float[h * w * c];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < h * w; i++) {
        cells[i * c + ch] = f[ch * h * w + i];
      }
    }
    float[] out = new float[c * bigH * bigW];
    pass(guide, cells, c, guideLow, out, null, options);
    return new FeatureMap(c, bigH, bigW, out);
  }

  /**
   * One fused pass over every output pixel. With {@code grad} (training: {@code feat} is the [3, h, w] downsampled
   * image, channel-major) it returns the L1 loss against {@code guide} and fills the four raw-parameter gradients;
   * with {@code out} (inference: {@code feat} cell-major [h·w, c]) it writes the upsampled [c, H, W] map.
   */
  private double pass(float[] guide, float[] feat, int c, float[] guideLow, float[] out, float[][] grad,
      UpsampleAnythingOptions options) {
    int bigH = h * scale;
    int bigW = w * scale;
    int n = h * w;
    int rMax = options.radius();
    // per-cell values shared by every pixel
    float[] sx = new float[n];
    float[] sy = new float[n];
    float[] sr = new float[n];
    float[] cos = new float[n];
    float[] sin = new float[n];
    float[] tanh = new float[n];
    float[] twoSx2 = new float[n];
    float[] twoSy2 = new float[n];
    float[] twoSr2 = new float[n];
    float[] sigmaEff = new float[n];
    float[] invSx = new float[n];
    float[] invSy = new float[n];
    float[] invSr = new float[n];
    for (int i = 0; i < n; i++) {
      sx[i] = Math.max((float) Math.exp(sxRaw[i]), 1e-6f);
      sy[i] = Math.max((float) Math.exp(syRaw[i]), 1e-6f);
      sr[i] = Math.max((float) Math.exp(srRaw[i]), 1e-6f);
      tanh[i] = (float) Math.tanh(thRaw[i]);
      float theta = (float) Math.PI * tanh[i];
      cos[i] = (float) Math.cos(theta);
      sin[i] = (float) Math.sin(theta);
      twoSx2[i] = 2 * (sx[i] * sx[i]) + 1e-8f;
      twoSy2[i] = 2 * (sy[i] * sy[i]) + 1e-8f;
      twoSr2[i] = 2f * sr[i] * sr[i] + 1e-8f;
      // reciprocals: a multiply instead of three divisions per neighbour (results within an ulp of upstream's
      // divisions, well under the fit's own float32 sensitivity; see docs/upsamplers.md)
      invSx[i] = 1f / twoSx2[i];
      invSy[i] = 1f / twoSy2[i];
      invSr[i] = 1f / twoSr2[i];
      sigmaEff[i] = Math.max((float) Math.exp(sxRaw[i]), (float) Math.exp(syRaw[i]));
    }
    float[] sigmaHr = bilinear(sigmaEff, 1, h, w, bigH, bigW);
    int[] uc = nearestCell(bigH, h);
    int[] vc = nearestCell(bigW, w);
    float[] cy = new float[h];
    for (int i = 0; i < h; i++) {
      cy[i] = (i + 0.5f) * scale - 0.5f;
    }
    float[] cx = new float[w];
    for (int j = 0; j < w; j++) {
      cx[j] = (j + 0.5f) * scale - 0.5f;
    }
    int plane = bigH * bigW;
    int lowPlane = n;
    int side = 2 * rMax + 1;
    int bands = bigH;
    double[] bandLoss = new double[bands];
    float[][] bandGrad = grad == null ? null : new float[bands][];
    // half-width of the disc oy² + ox² ≤ r² in each row oy, per radius r
    int[][] halfWidth = new int[rMax + 1][];
    for (int r = 1; r <= rMax; r++) {
      halfWidth[r] = new int[2 * r + 1];
      for (int oy = -r; oy <= r; oy++) {
        int hw = 0;
        while ((hw + 1) * (hw + 1) + oy * oy <= r * r) {
          hw++;
        }
        halfWidth[r][oy + r] = hw;
      }
    }
    int threads = options.threads() == 0 ? Runtime.getRuntime().availableProcessors() : options.threads();
    java.util.function.IntConsumer band = y -> {
      int kmax = side * side;
      float[] lw = new float[kmax];
      float[] xps = new float[kmax];
      float[] yps = new float[kmax];
      float[] d2s = new float[kmax];
      int[] cellOf = new int[kmax];
      float[] acc = new float[c];
      float[] g = grad == null ? null : new float[4 * n];
      double lossSum = 0;
      int u = uc[y];
      for (int x = 0; x < bigW; x++) {
        int p = y * bigW + x;
        int r = (int) Math.min(Math.max(Math.ceil(ALPHA_DYN * sigmaHr[p]), 1), rMax);
        int[] half = halfWidth[r];
        float g0 = guide[p];
        float g1 = guide[plane + p];
        float g2 = guide[2 * plane + p];
        int v = vc[x];
        int k = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int oy = -r; oy <= r; oy++) {
          int ui = Math.min(Math.max(u + oy, 0), h - 1);
          float dy = y - cy[ui];
          int hw = half[oy + r];
          for (int ox = -hw; ox <= hw; ox++) {
            int vi = Math.min(Math.max(v + ox, 0), w - 1);
            int cell = ui * w + vi;
            float dx = x - cx[vi];
            float xp = dx * cos[cell] + dy * sin[cell];
            float yp = -dx * sin[cell] + dy * cos[cell];
            float ls = -(xp * xp) * invSx[cell] - (yp * yp) * invSy[cell];
            float e0 = g0 - guideLow[cell];
            float e1 = g1 - guideLow[lowPlane + cell];
            float e2 = g2 - guideLow[2 * lowPlane + cell];
            float d2 = e0 * e0 + e1 * e1 + e2 * e2;
            float l = ls + -d2 * invSr[cell];
            lw[k] = l;
            xps[k] = xp;
            yps[k] = yp;
            d2s[k] = d2;
            cellOf[k] = cell;
            k++;
            if (l > max) {
              max = l;
            }
          }
        }
        float den = 0;
        for (int i = 0; i < k; i++) {
          float e = expNonPositive(lw[i] - max);
          lw[i] = e;
          den += e;
        }
        if (grad == null) {
          // weights under 2^-24 (the largest is 1, so each is under half an ulp of the denominator) are left out
          // of the C-channel sums: the apply's main saving, worth at most k·2^-24·max|f| of the result;
          // the denominator sums the same weights, so the result stays a weighted mean (constants stay constant)
          int m = 0;
          den = 0;
          for (int i = 0; i < k; i++) {
            if (lw[i] >= MIN_WEIGHT) {
              lw[m] = lw[i];
              den += lw[i];
              cellOf[m++] = cellOf[i];
            }
          }
          java.util.Arrays.fill(acc, 0f);
          int i = 0;
          for (; i + 4 <= m; i += 4) {
            int b0 = cellOf[i] * c;
            int b1 = cellOf[i + 1] * c;
            int b2 = cellOf[i + 2] * c;
            int b3 = cellOf[i + 3] * c;
            float e0 = lw[i];
            float e1 = lw[i + 1];
            float e2 = lw[i + 2];
            float e3 = lw[i + 3];
            for (int ch = 0; ch < c; ch++) {
              acc[ch] += feat[b0 + ch] * e0 + feat[b1 + ch] * e1 + feat[b2 + ch] * e2 + feat[b3 + ch] * e3;
            }
          }
          for (; i < m; i++) {
            int base = cellOf[i] * c;
            float e = lw[i];
            for (int ch = 0; ch < c; ch++) {
              acc[ch] += feat[base + ch] * e;
            }
          }
          float dd = Math.max(den, 1e-8f);
          for (int ch = 0; ch < c; ch++) {
            out[ch * plane + p] = acc[ch] / dd;
          }
          continue;
        }
        // training: c = 3 channels of the downsampled image, channel-major
        float n0 = 0;
        float n1 = 0;
        float n2 = 0;
        for (int i = 0; i < k; i++) {
          int cell = cellOf[i];
          float e = lw[i];
          n0 += feat[cell] * e;
          n1 += feat[lowPlane + cell] * e;
          n2 += feat[2 * lowPlane + cell] * e;
        }
        float dd = Math.max(den, 1e-8f);
        float p0 = n0 / dd;
        float p1 = n1 / dd;
        float p2 = n2 / dd;
        float r0 = p0 - g0;
        float r1 = p1 - g1;
        float r2v = p2 - g2;
        lossSum += Math.abs(r0) + Math.abs(r1) + Math.abs(r2v);
        // dL/dpred = sign(pred - target) / N; N applied per cell at the end
        float s0 = Math.signum(r0);
        float s1 = Math.signum(r1);
        float s2 = Math.signum(r2v);
        float gp = s0 * p0 + s1 * p1 + s2 * p2;
        float invDen = 1f / dd;
        for (int i = 0; i < k; i++) {
          int cell = cellOf[i];
          float wk = lw[i] * invDen;
          float gl = wk * (s0 * feat[cell] + s1 * feat[lowPlane + cell] + s2 * feat[2 * lowPlane + cell] - gp);
          float xp = xps[i];
          float yp = yps[i];
          int gi = 4 * cell;
          g[gi] += gl * xp * xp;
          g[gi + 1] += gl * yp * yp;
          g[gi + 2] += gl * xp * yp;
          g[gi + 3] += gl * d2s[i];
        }
      }
      bandLoss[y] = lossSum;
      if (bandGrad != null) {
        bandGrad[y] = g;
      }
    };
    if (threads <= 1) {
      for (int y = 0; y < bands; y++) {
        band.accept(y);
      }
    } else {
      Parallel.run(threads, bands, band);
    }
    double loss = 0;
    for (int y = 0; y < bands; y++) {
      loss += bandLoss[y];
    }
    if (grad == null) {
      return Double.NaN;
    }
    // sums over pixels, in band order; then the chain rule per cell
    double[][] sum = new double[4][n];
    for (int y = 0; y < bands; y++) {
      float[] b = bandGrad[y];
      for (int i = 0; i < n; i++) {
        for (int q = 0; q < 4; q++) {
          sum[q][i] += b[4 * i + q];
        }
      }
    }
    double invN = 1.0 / (3.0 * plane);
    for (int i = 0; i < n; i++) {
      // l = -xp²/(2σx²+ε) - yp²/(2σy²+ε) - d²/(2σr²+ε); σ = exp(raw); θ = π tanh(raw)
      double ax = twoSx2[i];
      double ay = twoSy2[i];
      double ar = twoSr2[i];
      grad[0][i] = (float) (sum[0][i] * invN * 4 * sx[i] * sx[i] / (ax * ax));
      grad[1][i] = (float) (sum[1][i] * invN * 4 * sy[i] * sy[i] / (ay * ay));
      grad[2][i] = (float) (sum[2][i] * invN * 2 * (1 / ay - 1 / ax) * Math.PI * (1 - (double) tanh[i] * tanh[i]));
      grad[3][i] = (float) (sum[3][i] * invN * 4 * sr[i] * sr[i] / (ar * ar));
    }
    return loss / (3.0 * plane);
  }

  /**
   * e^x for x ≤ 0 in float32 to about 1 ulp (Cody–Waite reduction to 2^n·e^f, |f| ≤ ln2/2, and Cephes' degree-6
   * polynomial for e^f), 0 below −87.3 where e^x is under float's smallest normal: a weight that small changes no
   * sum whose largest term is 1. A few times faster than {@link Math#exp}, which dominates the fit otherwise.
   */
  static float expNonPositive(float x) {
    if (!(x >= -87.3f)) {
      return 0f;
    }
    float n = (float) Math.floor(x * 1.44269504f + 0.5f);
    float f = x - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * f + 1.3981999507e-3f;
    p = p * f + 8.3334519073e-3f;
    p = p * f + 4.1665795894e-2f;
    p = p * f + 1.6666665459e-1f;
    p = p * f + 5.0000001201e-1f;
    p = p * f * f + f + 1f;
    return p * Float.intBitsToFloat(((int) n + 127) << 23);
  }

  /** Upstream's nearest cell of each output index: round((i + 0.5) / scale − 0.5), clamped. */
  private int[] nearestCell(int big, int low) {
    int[] out = new int[big];
    for (int i = 0; i < big; i++) {
      float u = (i + 0.5f) / scale - 0.5f;
      out[i] = (int) Math.min(Math.max(Math.rint(u), 0), low - 1);
    }
    return out;
  }

  /**
   * PyTorch's {@code interpolate(mode="bilinear", align_corners=False)} without antialiasing, in float32, for
   * {@code ch} planes of {@code inH × inW} to {@code outH × outW}.
   */
  static float[] bilinear(float[] in, int ch, int inH, int inW, int outH, int outW) {
    float sh = (float) inH / outH;
    float sw = (float) inW / outW;
    int[] y0 = new int[outH];
    int[] y1 = new int[outH];
    float[] ly = new float[outH];
    axis(sh, inH, outH, y0, y1, ly);
    int[] x0 = new int[outW];
    int[] x1 = new int[outW];
    float[] lx = new float[outW];
    axis(sw, inW, outW, x0, x1, lx);
    float[] out = new float[ch * outH * outW];
    for (int c = 0; c < ch; c++) {
      int ib = c * inH * inW;
      int ob = c * outH * outW;
      for (int y = 0; y < outH; y++) {
        float h1 = ly[y];
        float h0 = 1f - h1;
        int r0 = ib + y0[y] * inW;
        int r1 = ib + y1[y] * inW;
        for (int x = 0; x < outW; x++) {
          float w1 = lx[x];
          float w0 = 1f - w1;
          out[ob + y * outW + x] = h0 * (w0 * in[r0 + x0[x]] + w1 * in[r0 + x1[x]])
              + h1 * (w0 * in[r1 + x0[x]] + w1 * in[r1 + x1[x]]);
        }
      }
    }
    return out;
  }

  private static void axis(float scale, int in, int out, int[] i0, int[] i1, float[] lambda) {
    for (int o = 0; o < out; o++) {
      float src = scale * (o + 0.5f) - 0.5f;
      if (src < 0) {
        src = 0;
      }
      int a = (int) src;
      i0[o] = a;
      i1[o] = a < in - 1 ? a + 1 : a;
      lambda[o] = src - a;
    }
  }

  /**
   * PyTorch's {@code interpolate(scale_factor=1/scale, mode="bicubic", align_corners=False)} (A = −0.75, border
   * indices clamped), for the 3 planes of {@code guide}.
   */
  static float[] bicubicDown(float[] guide, int bigH, int bigW, int scale, int h, int w) {
    float[] out = new float[3 * h * w];
    int plane = bigH * bigW;
    for (int c = 0; c < 3; c++) {
      for (int oy = 0; oy < h; oy++) {
        float ry = (float) scale * (oy + 0.5f) - 0.5f;
        int iy = (int) Math.floor(ry);
        float[] wy = cubic(ry - iy);
        for (int ox = 0; ox < w; ox++) {
          float rx = (float) scale * (ox + 0.5f) - 0.5f;
          int ix = (int) Math.floor(rx);
          float[] wx = cubic(rx - ix);
          float[] rows = new float[4];
          for (int k = 0; k < 4; k++) {
            int yy = Math.min(Math.max(iy - 1 + k, 0), bigH - 1);
            int base = c * plane + yy * bigW;
            float acc = 0;
            for (int j = 0; j < 4; j++) {
              int xx = Math.min(Math.max(ix - 1 + j, 0), bigW - 1);
              acc += guide[base + xx] * wx[j];
            }
            rows[k] = acc;
          }
          out[c * h * w + oy * w + ox] = rows[0] * wy[0] + rows[1] * wy[1] + rows[2] * wy[2] + rows[3] * wy[3];
        }
      }
    }
    return out;
  }

  private static float[] cubic(float t) {
    float a = -0.75f;
    float x1 = t + 1;
    float x2 = t;
    float x3 = 1 - t;
    float x4 = 2 - t;
    return new float[] {
        ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
        ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
        ((a + 2) * x3 - (a + 3)) * x3 * x3 + 1,
        ((a * x4 - 5 * a) * x4 + 8 * a) * x4 - 4 * a};
  }
}
