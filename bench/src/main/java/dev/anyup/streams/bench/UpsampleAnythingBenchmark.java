package dev.anyup.streams.bench;

import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.Npy;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.UpsampleAnythingOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Upsample Anything in Java against the upstream PyTorch code: for each case prefix {@code P} it reads
 * {@code P_guide.npy} ([3, H, W] colours in [0, 1]), {@code P_features.npy} ([C, h, w]) and, where present,
 * {@code P_out.npy} (upstream's output on the same inputs, written by
 * {@code models/export/upstream/upsample_anything_reference.py}), runs the fit and the apply with upstream's settings
 * ({@code --steps} Adam steps) and prints the time per image (median of {@code --repeat}), the heap high-water mark,
 * and max |diff| against upstream relative to the features' value range. A program that prints numbers.
 */
@Command(name = "upsample-anything", mixinStandardHelpOptions = true,
    description = "Upsample Anything: time per image and max |diff| against the upstream code's output.")
public final class UpsampleAnythingBenchmark implements Callable<Integer> {

  @Parameters(description = "case prefixes (P_guide.npy, P_features.npy, optional P_out.npy)")
  List<String> cases;

  @Option(names = "--steps", defaultValue = "51", description = "Adam steps (upstream: 51)")
  int steps;

  @Option(names = "--threads", defaultValue = "2", description = "threads per image")
  int threads;

  @Option(names = "--repeat", defaultValue = "3", description = "timed runs per case (after one warm-up run)")
  int repeat;

  /** CPU time of the whole process: on a shared machine, CPU s / threads estimates the wall time when idle. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new UpsampleAnythingBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    UpsampleAnythingOptions options = UpsampleAnythingOptions.defaults().withSteps(steps).withThreads(threads);
    // mean 0, std 1: the guide file is the model input as the upsampler sees it once de-normalised
    FeatureUpsampler up = FeatureUpsampler.upsampleAnything(options, new float[3], new float[] {1, 1, 1});
    System.out.printf(Locale.ROOT, "cores %d, %s %s; %d steps, %d threads, median of %d runs after 1 warm-up%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), steps, threads, repeat);
    System.out.println("| case | size | C | s / image | CPU s / image | max abs diff | value range | diff / range "
        + "| mean abs diff / range | cosine (whole tensor) | per-pixel cosine mean / min |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String c : cases) {
      Npy guide = Npy.read(Path.of(c + "_guide.npy"));
      Npy feat = Npy.read(Path.of(c + "_features.npy"));
      int bigH = guide.shape()[1];
      int bigW = guide.shape()[2];
      FeatureMap f = new FeatureMap(feat.shape()[0], feat.shape()[1], feat.shape()[2], feat.data());
      ImageTransform id = new ImageTransform(bigW, bigH, bigW, bigH, 1, 1, 0, 0, bigW, bigH, 0, 0, bigW, bigH,
          ResizeMode.SQUASH);
      PreprocessedImage image = new PreprocessedImage(guide.data(), bigH, bigW, id);
      FeatureMap out = up.upsample(f, image, bigH, bigW);
      List<Double> times = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      for (int i = 0; i < repeat; i++) {
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        out = up.upsample(f, image, bigH, bigW);
        times.add((System.nanoTime() - t0) / 1e9);
        cpu.add((processCpuNanos() - c0) / 1e9);
      }
      double[] cs = cpu.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double[] ts = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      String diff = "–";
      String range = "–";
      String rel = "–";
      String mean = "–";
      String cosine = "–";
      String pixelCosine = "–";
      Path ref = Path.of(c + "_out.npy");
      if (java.nio.file.Files.exists(ref)) {
        float[] expected = Npy.read(ref).data();
        double m = 0;
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < expected.length; i++) {
          m = Math.max(m, Math.abs((double) out.data()[i] - expected[i]));
          lo = Math.min(lo, expected[i]);
          hi = Math.max(hi, expected[i]);
        }
        Agreement a = Agreement.of(out.data(), expected, f.channels(), bigH * bigW);
        mean = String.format(Locale.ROOT, "%.2e", a.meanAbs() / (hi - lo));
        cosine = String.format(Locale.ROOT, "%.6f", a.cosine());
        pixelCosine = String.format(Locale.ROOT, "%.4f / %.4f", a.pixelCosineMean(), a.pixelCosineMin());
        diff = String.format(Locale.ROOT, "%.3g", m);
        range = String.format(Locale.ROOT, "%.3g", hi - lo);
        rel = String.format(Locale.ROOT, "%.2e", m / (hi - lo));
      }
      System.out.printf(Locale.ROOT, "| %s | %dx%d | %d | %.2f | %.2f | %s | %s | %s | %s | %s | %s |%n",
          Path.of(c).getFileName(), bigW, bigH, f.channels(), ts[ts.length / 2], cs[cs.length / 2], diff, range, rel,
          mean, cosine, pixelCosine);
    }
    long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(Locale.ROOT, "heap high-water mark (sum of pools' peaks) %.0f MiB; max heap %s MiB%n",
        peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576);
    return 0;
  }

  /** How closely two [C, P] feature maps agree: mean |diff|, the whole tensors' cosine, and each pixel's. */
  record Agreement(double meanAbs, double cosine, double pixelCosineMean, double pixelCosineMin) {

    static Agreement of(float[] a, float[] b, int channels, int pixels) {
      double sum = 0;
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int i = 0; i < a.length; i++) {
        sum += Math.abs((double) a[i] - b[i]);
        dot += (double) a[i] * b[i];
        na += (double) a[i] * a[i];
        nb += (double) b[i] * b[i];
      }
      double pixelSum = 0;
      double pixelMin = 1;
      for (int p = 0; p < pixels; p++) {
        double d = 0;
        double x = 0;
        double y = 0;
        for (int c = 0; c < channels; c++) {
          double u = a[c * pixels + p];
          double v = b[c * pixels + p];
          d += u * v;
          x += u * u;
          y += v * v;
        }
        double cos = d / Math.sqrt(Math.max(x * y, Double.MIN_NORMAL));
        pixelSum += cos;
        pixelMin = Math.min(pixelMin, cos);
      }
      return new Agreement(sum / a.length, dot / Math.sqrt(na * nb), pixelSum / pixels, pixelMin);
    }
  }
}
