package dev.anyup.streams.models;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Warm start for streams, measured. Each frame of a sequence is fitted three ways, then each kernel is applied to the
 * frame's own features from the default (stand-in) bundle's encoder:
 *
 * <ul>
 *   <li><b>cold</b>: upstream's 51 steps from the initial kernel (what every frame gets without warm start);
 *   <li><b>oracle</b>: from the previous frame's warm kernel, stopping once the loss reaches this frame's cold final
 *       loss (the definition; needs the cold fit, so it only bounds what a stream could save);
 *   <li><b>stream</b>: what the pipeline does ({@code model.upsample.anything.warm.start}): from the previous
 *       frame's warm kernel, stopping once the loss reaches the previous frame's final loss (all a stream knows), at
 *       most 51 steps.
 * </ul>
 *
 * <p>Prints per frame steps, wall ms, final loss, and the features' difference against the cold output (max |diff| ÷
 * the cold output's value range, and the smallest and mean cosine between per-pixel feature vectors). As a yardstick
 * for those differences, every third frame is also fitted cold on its guide plus N(0, 1e-6) noise (far below a
 * camera's noise and 8-bit quantisation): how far the cold fit itself moves under a perturbation that small.
 * Arguments: frame guide files ([3, 224, 224] float32 .npy, 8-bit colours ÷ 255) in order; the first frame is fitted
 * cold by every variant.
 */
final class UpsampleAnythingWarmStartBenchmark {

  private UpsampleAnythingWarmStartBenchmark() {}

  public static void main(String[] args) throws Exception {
    UpsampleAnythingOptions options = UpsampleAnythingOptions.defaults().withThreads(2);
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.builder().build())) {
      BundleManifest.Preprocess norm = bundle.manifest().preprocess();
      UpsampleAnythingUpsampler ua = new UpsampleAnythingUpsampler(options, norm.mean(), norm.std());
      run(args, bundle, ua, options);
    }
  }

  private static void run(String[] args, ModelBundle bundle, UpsampleAnythingUpsampler ua,
      UpsampleAnythingOptions options) throws Exception {
    AnisotropicKernel oracle = null;
    AnisotropicKernel stream = null;
    float streamLoss = 0;
    System.out.println("| frame | cold steps / ms / loss | oracle steps / ms / loss | oracle vs cold: max diff ÷ range"
        + " / min cos / mean cos | stream steps / ms / loss | stream vs cold | cold(guide + 1e-6 noise) vs cold |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
    double[] sums = new double[6];
    Random noise = new Random(7);
    for (int f = 0; f < args.length; f++) {
      Npy g = Npy.read(Path.of(args[f]));
      int size = g.shape()[1];
      byte[] rgb = new byte[3 * size * size];
      float[] planes = g.data();
      for (int i = 0; i < size * size; i++) {
        for (int c = 0; c < 3; c++) {
          rgb[3 * i + c] = (byte) Math.round(planes[c * size * size + i] * 255f);
        }
      }
      PreprocessedImage pre = bundle.preprocessor(size).apply(new DecodedImage(size, size, rgb, "npy"));
      FeatureMap features = bundle.extractor(size).run(List.of(pre), FeatureUpsampler.none()).get(0).patchFeatures();
      int h = features.height();
      int scale = size / h;
      float[] guide = ua.guide(pre, size, size);
      long w0 = System.nanoTime();
      AnisotropicKernel.Fit cold = AnisotropicKernel.fit(guide, h, h, scale, null, options, 0f);
      double coldMs = (System.nanoTime() - w0) / 1e6;
      FeatureMap coldOut = cold.kernel().apply(guide, features, options);
      String yardstick = "";
      if (f % 3 == 1) {
        float[] noisy = guide.clone();
        for (int i = 0; i < noisy.length; i++) {
          noisy[i] += (float) (1e-6 * noise.nextGaussian());
        }
        AnisotropicKernel.Fit n = AnisotropicKernel.fit(noisy, h, h, scale, null, options, 0f);
        double[] nd = diff(coldOut, n.kernel().apply(guide, features, options));
        yardstick = String.format(Locale.ROOT, "%.4f / %.4f / %.5f", nd[0], nd[1], nd[2]);
      }
      if (f == 0) {
        oracle = cold.kernel();
        stream = cold.kernel();
        streamLoss = cold.lastLoss();
        System.out.printf(Locale.ROOT, "| %d | %d / %.0f / %.5f | (cold) | | (cold) | | %s |%n", f, cold.steps(),
            coldMs, cold.lastLoss(), yardstick);
        continue;
      }
      long w1 = System.nanoTime();
      AnisotropicKernel.Fit o = AnisotropicKernel.fit(guide, h, h, scale, oracle, options, cold.lastLoss());
      double oMs = (System.nanoTime() - w1) / 1e6;
      double[] od = diff(coldOut, o.kernel().apply(guide, features, options));
      long w2 = System.nanoTime();
      AnisotropicKernel.Fit s = AnisotropicKernel.fit(guide, h, h, scale, stream, options, streamLoss);
      double sMs = (System.nanoTime() - w2) / 1e6;
      double[] sd = diff(coldOut, s.kernel().apply(guide, features, options));
      System.out.printf(Locale.ROOT,
          "| %d | %d / %.0f / %.5f | %d / %.0f / %.5f | %.4f / %.4f / %.5f | %d / %.0f / %.5f | %.4f / %.4f / %.5f"
              + " | %s |%n",
          f, cold.steps(), coldMs, cold.lastLoss(), o.steps(), oMs, o.lastLoss(), od[0], od[1], od[2], s.steps(), sMs,
          s.lastLoss(), sd[0], sd[1], sd[2], yardstick);
      sums[0] += cold.steps();
      sums[1] += coldMs;
      sums[2] += o.steps();
      sums[3] += oMs;
      sums[4] += s.steps();
      sums[5] += sMs;
      oracle = o.kernel();
      stream = s.kernel();
      streamLoss = s.lastLoss();
    }
    int n = args.length - 1;
    System.out.printf(Locale.ROOT, "frames 1..%d mean: cold %.1f steps %.0f ms; oracle %.1f steps %.0f ms; stream %.1f"
        + " steps %.0f ms%n", n, sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n, sums[5] / n);
  }

  /** max |a - b| ÷ a's value range; smallest and mean cosine between the per-pixel channel vectors. */
  static double[] diff(FeatureMap a, FeatureMap b) {
    float[] x = a.data();
    float[] y = b.data();
    int c = a.channels();
    int plane = a.height() * a.width();
    double max = 0;
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(x[i] - y[i]));
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    double minCos = 1;
    double sumCos = 0;
    for (int p = 0; p < plane; p++) {
      double dot = 0;
      double nx = 0;
      double ny = 0;
      for (int ch = 0; ch < c; ch++) {
        double u = x[ch * plane + p];
        double v = y[ch * plane + p];
        dot += u * v;
        nx += u * u;
        ny += v * v;
      }
      double cos = dot / Math.sqrt(nx * ny);
      minCos = Math.min(minCos, cos);
      sumCos += cos;
    }
    return new double[] {max / (hi - lo), minCos, sumCos / plane};
  }
}
