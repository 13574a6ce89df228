package dev.anyup.streams.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The verdict of a console-on/console-off comparison: the on ÷ off ratio of each pair, their mean, and the noise they
 * are judged against — how far the console-off runs themselves spread around their own mean (the same setting, run
 * minutes apart on the same machine). "Within noise" means the mean ratio is no further below 1 than that spread.
 */
final class ConsoleComparison {
  private ConsoleComparison() {}

  /** One line: pairs' ratios, mean ratio, the off runs' spread, and whether the console's cost is within it. */
  static String summary(String workload, double[] off, double[] on) {
    if (off.length != on.length || off.length == 0) {
      throw new IllegalArgumentException("need the same number (> 0) of off and on runs, got " + off.length + " and "
          + on.length);
    }
    double[] ratios = new double[off.length];
    for (int i = 0; i < off.length; i++) {
      ratios[i] = on[i] / off[i];
    }
    double meanRatio = Arrays.stream(ratios).average().orElseThrow();
    double noise = spread(off);
    boolean within = 1 - meanRatio <= noise;
    StringBuilder pairs = new StringBuilder();
    for (double r : ratios) {
      pairs.append(pairs.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", r));
    }
    return String.format(Locale.ROOT, "  %-18s console on ÷ off per pair %s; mean %.3f; console-off runs spread "
        + "±%.3f around their mean (%d runs): %s", workload, pairs, meanRatio, noise, off.length,
        off.length < 2 ? "one pair, no noise estimate" : within ? "within noise" : "NOT within noise");
  }

  /** Largest relative distance of a value from the mean of {@code values} (0 for one value). */
  static double spread(double[] values) {
    double mean = Arrays.stream(values).average().orElseThrow();
    return Arrays.stream(values).map(v -> Math.abs(v / mean - 1)).max().orElseThrow();
  }
}
