package dev.anyup.streams.models;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Warm start for streams, measured: each frame of a sequence is fitted cold (upstream's 51 steps from the initial
 * kernel) and warm (from the previous frame's fitted kernel, stopping once the loss reaches the cold fit's final loss
 * of the same frame), then both kernels are applied to the same seeded features. Prints steps, CPU time and the
 * features' difference per frame. Arguments: frame guide files ([3, H, W] in [0, 1]) in order.
 */
final class UpsampleAnythingWarmStartBenchmark {

  private UpsampleAnythingWarmStartBenchmark() {}

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) throws Exception {
    UpsampleAnythingOptions options = UpsampleAnythingOptions.defaults().withThreads(2);
    AnisotropicKernel previous = null;
    Random rnd = new Random(1);
    float[] fdata = new float[384 * 16 * 16];
    for (int i = 0; i < fdata.length; i++) {
      fdata[i] = (float) rnd.nextGaussian();
    }
    FeatureMap features = new FeatureMap(384, 16, 16, fdata);
    System.out.println("| frame | cold steps | cold CPU s | cold final loss | warm steps | warm CPU s | warm final loss"
        + " | max abs diff / range | mean abs diff / range |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int f = 0; f < args.length; f++) {
      Npy g = Npy.read(Path.of(args[f]));
      int bigH = g.shape()[1];
      long c0 = cpu();
      AnisotropicKernel.Fit cold = AnisotropicKernel.fit(g.data(), 16, 16, bigH / 16, null, options, 0f);
      double coldCpu = (cpu() - c0) / 1e9;
      FeatureMap coldOut = cold.kernel().apply(g.data(), features, options);
      if (previous == null) {
        previous = cold.kernel();
        System.out.printf(Locale.ROOT, "| %d | %d | %.2f | %.5f | – | – | – | – | – |%n", f, cold.steps(), coldCpu,
            cold.lastLoss());
        continue;
      }
      long c1 = cpu();
      AnisotropicKernel.Fit warm = AnisotropicKernel.fit(g.data(), 16, 16, bigH / 16, previous, options,
          cold.lastLoss());
      double warmCpu = (cpu() - c1) / 1e9;
      FeatureMap warmOut = warm.kernel().apply(g.data(), features, options);
      double max = 0;
      double sum = 0;
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < coldOut.data().length; i++) {
        double d = Math.abs(coldOut.data()[i] - warmOut.data()[i]);
        max = Math.max(max, d);
        sum += d;
        lo = Math.min(lo, coldOut.data()[i]);
        hi = Math.max(hi, coldOut.data()[i]);
      }
      double range = hi - lo;
      System.out.printf(Locale.ROOT, "| %d | %d | %.2f | %.5f | %d | %.2f | %.5f | %.3f | %.4f |%n", f, cold.steps(),
          coldCpu, cold.lastLoss(), warm.steps(), warmCpu, warm.lastLoss(), max / range,
          sum / coldOut.data().length / range);
      previous = warm.kernel();
    }
  }
}
