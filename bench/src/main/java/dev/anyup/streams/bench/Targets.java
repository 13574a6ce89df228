package dev.anyup.streams.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The targets, judged from the table's rows and reported as measured, met or missed; never asserted:
 * <ul>
 *   <li>every model workload: pipeline >= 0.9 x the model-only ceiling <em>at the same batch size</em> (the batch-1
 *       pipeline against the better batch-1 ceiling: one caller with the runtime's threads, or as many concurrent
 *       callers as the app's CPU budget runs; the batched one against the batched ceiling; no best-of across batch
 *       sizes);
 *   <li>batching never worse than batch 1 in images/s;
 *   <li>light-load p99 <= 1.5 x the single-image model time (the median batch-1 call of the ceiling);
 *   <li>null-model workloads (graphs that cost next to nothing): the pipeline's own ceiling in images/s per core.
 * </ul>
 */
final class Targets {
  static final double RATIO_TARGET = 0.9;

  private Targets() {}

  static List<String> evaluate(List<ResultTable.Row> rows, int cores) {
    Map<String, Map<String, ResultTable.Row>> byWorkload = new LinkedHashMap<>();
    for (ResultTable.Row r : rows) {
      String key = r.run().equals("ceiling") ? "ceiling b" + r.batch() : r.run().replaceAll(" \\(.*\\)$", "");
      byWorkload.computeIfAbsent(r.workload(), k -> new LinkedHashMap<>()).put(key, r);
    }
    List<String> out = new ArrayList<>();
    out.add("targets:");
    byWorkload.forEach((workload, runs) -> {
      ResultTable.Row batched = runs.get("pipeline batched");
      ResultTable.Row single = runs.get("pipeline batch 1");
      ResultTable.Row ceiling1 = runs.get("ceiling b1");
      boolean nullModel = workload.startsWith("null-");
      if (nullModel) {
        for (ResultTable.Row r : new ResultTable.Row[] {single, batched}) {
          if (r != null) {
            out.add(String.format(Locale.ROOT, "  %-18s %-44s %.2f img/s / %d cores = %.2f img/s per core (%s)",
                workload, "pipeline's own ceiling", r.imagesPerSecond(), cores, r.imagesPerSecond() / cores, r.run()));
          }
        }
        return;
      }
      for (ResultTable.Row r : new ResultTable.Row[] {single, batched}) {
        if (r != null && !Double.isNaN(r.ratio())) {
          out.add(line(workload, "pipeline >= " + RATIO_TARGET + " x model-only (batch " + r.batch() + ")",
              r.ratio() >= RATIO_TARGET, String.format(Locale.ROOT, "%.3f img/s / model-only %.3f img/s = %.2f",
                  r.imagesPerSecond(), r.ceiling(), r.ratio())));
        }
      }
      if (batched != null && single != null) {
        out.add(line(workload, "batching >= batch 1", batched.imagesPerSecond() >= single.imagesPerSecond(),
            String.format(Locale.ROOT, "%.3f vs %.3f img/s", batched.imagesPerSecond(), single.imagesPerSecond())));
      }
      runs.forEach((run, r) -> {
        if (run.startsWith("light") && ceiling1 != null) {
          double model = ceiling1.latencyMs().p50();
          out.add(line(workload, "light p99 <= 1.5 x single-image model time", r.latencyMs().p99() <= 1.5 * model,
              String.format(Locale.ROOT, "p99 %.0f ms vs 1.5 x %.0f ms = %.0f ms (%s)", r.latencyMs().p99(), model,
                  1.5 * model, run)));
        }
      });
    });
    return out;
  }

  private static String line(String workload, String target, boolean met, String detail) {
    return String.format(Locale.ROOT, "  %-18s %-44s %-6s %s", workload, target, met ? "MET" : "MISSED", detail);
  }
}
