package dev.anyup.streams.models.segmentation;

import dev.anyup.streams.models.FeatureMap;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Fits a {@link LinearProbe} to labelled feature maps: softmax (multinomial logistic) regression on per-pixel
 * feature vectors, minimising the mean cross-entropy plus {@code (l2 / 2) · ‖W‖²} (the bias is not regularised) with
 * full-batch L-BFGS. This is the linear probe of the upsampler papers, fitted in-process so a user needs no PyTorch.
 *
 * <p>Deterministic: at most {@code maxSamples} labelled pixels are drawn uniformly without replacement with a seeded
 * generator, and the gradient is summed over fixed chunks in a fixed order, so the same inputs give the same probe on
 * any machine and thread count. Features are standardised per channel (mean 0, standard deviation 1 over the sample)
 * while fitting, which makes one {@code l2} fit all encoders; the returned weights are folded back into the original
 * feature space, so the probe applies to raw upsampled features. Pixels with a negative label are ignored (an "ignore"
 * value in a mask).
 *
 * <p>Immutable and thread-safe; a fit uses the common fork-join pool.
 */
public final class ProbeFitter {

  private static final int CHUNK = 2048;
  private static final int HISTORY = 10;

  private final double l2;
  private final int maxSamples;
  private final int maxIterations;
  private final long seed;

  private ProbeFitter(Builder b) {
    this.l2 = b.l2;
    this.maxSamples = b.maxSamples;
    this.maxIterations = b.maxIterations;
    this.seed = b.seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A fitted probe and how the fit went. */
  public record Fit(LinearProbe probe, int samples, int iterations, int evaluations, double loss,
      double trainingAccuracy) {}

  /**
   * Fits a probe with {@code classNames.size()} classes.
   *
   * @param features feature maps, all with the same channel count
   * @param labels one label per pixel of the matching map, row-major; values in {@code [0, classNames.size())}, or
   *     negative to ignore the pixel
   * @throws IllegalArgumentException when sizes or labels do not match, or no pixel is labelled
   */
  public Fit fit(List<FeatureMap> features, List<int[]> labels, List<String> classNames, String name,
      String version) {
    if (features.isEmpty() || features.size() != labels.size()) {
      throw new IllegalArgumentException("need one label array per feature map and at least one map, got "
          + features.size() + " maps and " + labels.size() + " label arrays");
    }
    int k = classNames.size();
    int c = features.get(0).channels();
    long total = 0;
    for (int i = 0; i < features.size(); i++) {
      FeatureMap f = features.get(i);
      int[] l = labels.get(i);
      if (f.channels() != c) {
        throw new IllegalArgumentException("feature map " + i + " has " + f.channels() + " channels, map 0 has " + c);
      }
      if (l.length != f.height() * f.width()) {
        throw new IllegalArgumentException("labels " + i + " hold " + l.length + " values for a " + f.width() + "x"
            + f.height() + " map");
      }
      for (int p = 0; p < l.length; p++) {
        if (l[p] >= k) {
          throw new IllegalArgumentException("label " + l[p] + " at pixel " + p + " of map " + i + " is not below "
              + k + " classes");
        }
        if (l[p] >= 0) {
          total++;
        }
      }
    }
    if (total == 0) {
      throw new IllegalArgumentException("no labelled pixel to fit");
    }
    Sample s = sample(features, labels, c, total);
    double[] mean = new double[c];
    double[] scale = new double[c];
    standardise(s, mean, scale);
    int dim = (c + 1) * k;
    double[] theta = new double[dim];
    Objective f = new Objective(s, k, l2);
    int iterations = minimise(f, theta);
    double loss = f.evaluate(theta, new double[dim]);
    double accuracy = f.accuracy(theta);
    // fold the standardisation back: w'_kc = w_kc / sd_c, b'_k = b_k - sum_c w_kc mean_c / sd_c
    float[] weights = new float[k * c];
    float[] bias = new float[k];
    for (int cls = 0; cls < k; cls++) {
      double b = theta[cls * (c + 1) + c];
      for (int ch = 0; ch < c; ch++) {
        double w = theta[cls * (c + 1) + ch] * scale[ch];
        weights[cls * c + ch] = (float) w;
        b -= w * mean[ch];
      }
      bias[cls] = (float) b;
    }
    return new Fit(new LinearProbe(name, version, classNames, c, weights, bias), s.n, iterations, f.evaluations,
        loss, accuracy);
  }

  /** Sampled pixels, row-major {@code n × c} floats, and their labels. */
  record Sample(float[] x, int[] y, int n, int c) {}

  private Sample sample(List<FeatureMap> features, List<int[]> labels, int c, long total) {
    int n = (int) Math.min(total, maxSamples);
    float[] x = new float[n * c];
    int[] y = new int[n];
    SplittableRandom random = new SplittableRandom(seed);
    long seen = 0;
    int taken = 0;
    // Knuth's selection sampling: each labelled pixel is taken with probability (needed / remaining)
    for (int i = 0; i < features.size() && taken < n; i++) {
      FeatureMap f = features.get(i);
      int[] l = labels.get(i);
      int hw = l.length;
      float[] data = f.data();
      for (int p = 0; p < hw && taken < n; p++) {
        if (l[p] < 0) {
          continue;
        }
        if (random.nextDouble() * (total - seen) < n - taken) {
          for (int ch = 0; ch < c; ch++) {
            x[taken * c + ch] = data[ch * hw + p];
          }
          y[taken++] = l[p];
        }
        seen++;
      }
    }
    return new Sample(x, y, taken, c);
  }

  /** Standardises {@code s.x} in place; {@code scale} is 1/sd (1 for a constant channel). */
  private static void standardise(Sample s, double[] mean, double[] scale) {
    int c = s.c;
    double[] sq = new double[c];
    for (int i = 0; i < s.n; i++) {
      for (int ch = 0; ch < c; ch++) {
        double v = s.x[i * c + ch];
        mean[ch] += v;
        sq[ch] += v * v;
      }
    }
    for (int ch = 0; ch < c; ch++) {
      mean[ch] /= s.n;
      double var = sq[ch] / s.n - mean[ch] * mean[ch];
      scale[ch] = var > 1e-12 ? 1 / Math.sqrt(var) : 1;
    }
    for (int i = 0; i < s.n; i++) {
      for (int ch = 0; ch < c; ch++) {
        s.x[i * c + ch] = (float) ((s.x[i * c + ch] - mean[ch]) * scale[ch]);
      }
    }
  }

  /**
   * Mean cross-entropy + (l2/2)‖W‖² over a sample. Parameters {@code theta}: {@code k × (c + 1)}, row {@code cls}
   * holds class cls's c weights and then its bias. Both passes are long multiply-adds the JIT vectorises: scores per
   * channel over a block of samples (channel-major copy), gradient per sample over the channels (sample-major copy).
   */
  static final class Objective {
    private final Sample s;
    private final float[] xT;
    private final int k;
    private final double l2;
    private int evaluations;

    Objective(Sample s, int k, double l2) {
      this.s = s;
      this.k = k;
      this.l2 = l2;
      int n = s.n;
      int c = s.c;
      this.xT = new float[n * c];
      for (int i = 0; i < n; i++) {
        for (int ch = 0; ch < c; ch++) {
          xT[ch * n + i] = s.x[i * c + ch];
        }
      }
    }

    /** The objective at {@code theta}; writes its gradient into {@code grad}. */
    double evaluate(double[] theta, double[] grad) {
      evaluations++;
      int c = s.c;
      int chunks = (s.n + CHUNK - 1) / CHUNK;
      float[] w = new float[theta.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) theta[i];
      }
      double[][] parts = new double[chunks][];
      IntStream.range(0, chunks).parallel().forEach(ch -> parts[ch] = chunk(w, ch * CHUNK,
          Math.min(s.n, (ch + 1) * CHUNK)));
      java.util.Arrays.fill(grad, 0);
      double loss = 0;
      for (double[] part : parts) { // fixed order: the sum does not depend on scheduling
        loss += part[grad.length];
        for (int i = 0; i < grad.length; i++) {
          grad[i] += part[i];
        }
      }
      loss /= s.n;
      double reg = 0;
      for (int cls = 0; cls < k; cls++) {
        for (int ch = 0; ch < c; ch++) {
          int i = cls * (c + 1) + ch;
          grad[i] = grad[i] / s.n + l2 * theta[i];
          reg += theta[i] * theta[i];
        }
        grad[cls * (c + 1) + c] /= s.n;
      }
      return loss + 0.5 * l2 * reg;
    }

    /** Summed gradient (first {@code k·(c+1)} values) and summed loss (last value) over samples {@code [from, to)}. */
    private double[] chunk(float[] w, int from, int to) {
      int c = s.c;
      int n = s.n;
      int b = to - from;
      int stride = c + 1;
      float[][] z = new float[k][b];
      for (int cls = 0; cls < k; cls++) {
        java.util.Arrays.fill(z[cls], w[cls * stride + c]);
      }
      for (int ch = 0; ch < c; ch++) {
        int base = ch * n + from;
        for (int cls = 0; cls < k; cls++) {
          float wc = w[cls * stride + ch];
          float[] zc = z[cls];
          for (int i = 0; i < b; i++) {
            zc[i] += wc * xT[base + i];
          }
        }
      }
      double loss = 0;
      for (int i = 0; i < b; i++) {
        float max = z[0][i];
        for (int cls = 1; cls < k; cls++) {
          max = Math.max(max, z[cls][i]);
        }
        double sum = 0;
        for (int cls = 0; cls < k; cls++) {
          double e = Math.exp(z[cls][i] - max);
          z[cls][i] = (float) e;
          sum += e;
        }
        int y = s.y[from + i];
        loss += Math.log(sum) - Math.log(z[y][i]);
        float inv = (float) (1 / sum);
        for (int cls = 0; cls < k; cls++) {
          z[cls][i] *= inv; // now the softmax probability
        }
        z[y][i] -= 1; // d loss / d score
      }
      float[] g = new float[k * stride];
      float[] x = s.x;
      for (int i = 0; i < b; i++) {
        int row = (from + i) * c;
        for (int cls = 0; cls < k; cls++) {
          float d = z[cls][i];
          int gr = cls * stride;
          for (int ch = 0; ch < c; ch++) {
            g[gr + ch] += d * x[row + ch];
          }
          g[gr + c] += d;
        }
      }
      double[] out = new double[g.length + 1];
      for (int i = 0; i < g.length; i++) {
        out[i] = g[i];
      }
      out[g.length] = loss;
      return out;
    }

    /** The share of sampled pixels whose highest score is their label. */
    double accuracy(double[] theta) {
      int c = s.c;
      int correct = 0;
      double[] z = new double[k];
      for (int i = 0; i < s.n; i++) {
        for (int cls = 0; cls < k; cls++) {
          double v = theta[cls * (c + 1) + c];
          for (int ch = 0; ch < c; ch++) {
            v += theta[cls * (c + 1) + ch] * s.x[i * c + ch];
          }
          z[cls] = v;
        }
        int best = 0;
        for (int cls = 1; cls < k; cls++) {
          if (z[cls] > z[best]) {
            best = cls;
          }
        }
        if (best == s.y[i]) {
          correct++;
        }
      }
      return (double) correct / s.n;
    }
  }

  /** L-BFGS (two-loop recursion, Armijo backtracking); returns the iterations run. */
  private int minimise(Objective f, double[] theta) {
    int dim = theta.length;
    double[] grad = new double[dim];
    double loss = f.evaluate(theta, grad);
    List<double[]> sList = new ArrayList<>();
    List<double[]> yList = new ArrayList<>();
    List<Double> rhoList = new ArrayList<>();
    double[] dir = new double[dim];
    double[] next = new double[dim];
    double[] nextGrad = new double[dim];
    int it = 0;
    while (it < maxIterations && norm(grad) > 1e-6 * Math.max(1, norm(theta))) {
      it++;
      // direction = -H grad
      double[] q = grad.clone();
      int m = sList.size();
      double[] alpha = new double[m];
      for (int j = m - 1; j >= 0; j--) {
        alpha[j] = rhoList.get(j) * dot(sList.get(j), q);
        axpy(-alpha[j], yList.get(j), q);
      }
      double gamma = m == 0 ? 1 / Math.max(norm(grad), 1e-12)
          : dot(sList.get(m - 1), yList.get(m - 1)) / dot(yList.get(m - 1), yList.get(m - 1));
      for (int i = 0; i < dim; i++) {
        q[i] *= gamma;
      }
      for (int j = 0; j < m; j++) {
        double beta = rhoList.get(j) * dot(yList.get(j), q);
        axpy(alpha[j] - beta, sList.get(j), q);
      }
      for (int i = 0; i < dim; i++) {
        dir[i] = -q[i];
      }
      double slope = dot(grad, dir);
      if (slope >= 0) { // not a descent direction: restart from steepest descent
        sList.clear();
        yList.clear();
        rhoList.clear();
        for (int i = 0; i < dim; i++) {
          dir[i] = -grad[i] / Math.max(norm(grad), 1e-12);
        }
        slope = dot(grad, dir);
      }
      double step = 1;
      double nextLoss;
      int tries = 0;
      while (true) {
        for (int i = 0; i < dim; i++) {
          next[i] = theta[i] + step * dir[i];
        }
        nextLoss = f.evaluate(next, nextGrad);
        if (nextLoss <= loss + 1e-4 * step * slope || ++tries >= 30) {
          break;
        }
        step *= 0.5;
      }
      if (!(nextLoss < loss)) {
        break; // no progress possible at float precision
      }
      double[] sv = new double[dim];
      double[] yv = new double[dim];
      for (int i = 0; i < dim; i++) {
        sv[i] = next[i] - theta[i];
        yv[i] = nextGrad[i] - grad[i];
      }
      double sy = dot(sv, yv);
      if (sy > 1e-12) {
        if (sList.size() == HISTORY) {
          sList.remove(0);
          yList.remove(0);
          rhoList.remove(0);
        }
        sList.add(sv);
        yList.add(yv);
        rhoList.add(1 / sy);
      }
      double improvement = loss - nextLoss;
      System.arraycopy(next, 0, theta, 0, dim);
      System.arraycopy(nextGrad, 0, grad, 0, dim);
      loss = nextLoss;
      if (improvement < 1e-9 * Math.max(1, Math.abs(loss))) {
        break;
      }
    }
    return it;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }

  /** Builder; every value is validated by {@link #build()}. */
  public static final class Builder {
    private double l2 = 1e-4;
    private int maxSamples = 50_000;
    private int maxIterations = 100;
    private long seed = 42;

    private Builder() {}

    /** L2 penalty on the standardised weights; 1e-4 by default. */
    public Builder l2(double l2) {
      this.l2 = l2;
      return this;
    }

    /** How many labelled pixels to fit on at most; 50,000 by default. */
    public Builder maxSamples(int maxSamples) {
      this.maxSamples = maxSamples;
      return this;
    }

    /** L-BFGS iterations at most; 100 by default. */
    public Builder maxIterations(int maxIterations) {
      this.maxIterations = maxIterations;
      return this;
    }

    /** Seed of the pixel sampling; 42 by default. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public ProbeFitter build() {
      if (!(l2 >= 0) || Double.isInfinite(l2)) {
        throw new IllegalArgumentException("l2 must be finite and not negative but was " + l2);
      }
      if (maxSamples <= 0) {
        throw new IllegalArgumentException("maxSamples must be positive but was " + maxSamples);
      }
      if (maxIterations <= 0) {
        throw new IllegalArgumentException("maxIterations must be positive but was " + maxIterations);
      }
      return new ProbeFitter(this);
    }
  }
}
