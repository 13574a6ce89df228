package dev.anyup.streams.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one table the benchmark prints: a row per (workload, run). */
final class ResultTable {

  /**
   * One row.
   *
   * @param workload workload name
   * @param run what was measured (ceiling, pipeline batched, pipeline batch 1, light load)
   * @param batch the configured maximum batch size ({@code observed} is the mean actually formed, NaN for ceilings)
   * @param observedBatch mean images per model call in the pipeline
   * @param imagesPerSecond throughput
   * @param ceiling the model-only images/s this row is compared with (NaN for the ceiling rows themselves)
   * @param latencyMs ceiling rows: per-call wall time; pipeline rows: event timestamp to output log-append time
   * @param denseBytes mean serialised value bytes per dense record (0 if none)
   * @param embeddingBytes mean serialised value bytes per embedding record (0 if none)
   * @param stages per-stage time per image
   */
  record Row(String workload, String run, int batch, double observedBatch, double imagesPerSecond, double ceiling,
      Percentiles latencyMs, double denseBytes, double embeddingBytes, StageShares stages) {

    double ratio() {
      return Double.isNaN(ceiling) || ceiling <= 0 ? Double.NaN : imagesPerSecond / ceiling;
    }
  }

  private final List<Row> rows = new ArrayList<>();

  void add(Row row) {
    rows.add(row);
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  void print(PrintStream out) {
    String header = String.format(Locale.ROOT,
        "| %-22s | %-20s | %5s | %8s | %6s | %8s | %8s | %8s | %10s | %8s | %-58s |",
        "workload", "run", "batch", "images/s", "ratio", "p50 ms", "p95 ms", "p99 ms", "dense B", "emb B",
        "stage share: decode/pre/encoder/upsampler/encode/kafka %");
    out.println(header);
    out.println(header.replaceAll("[^|]", "-"));
    for (Row r : rows) {
      String batch = Double.isNaN(r.observedBatch()) ? Integer.toString(r.batch())
          : String.format(Locale.ROOT, "%d/%.1f", r.batch(), r.observedBatch());
      out.println(String.format(Locale.ROOT,
          "| %-22s | %-20s | %5s | %8.2f | %6s | %8s | %8s | %8s | %10s | %8s | %-58s |",
          r.workload(), r.run(), batch, r.imagesPerSecond(), num(r.ratio(), "%.2f"), num(r.latencyMs().p50(), "%.0f"),
          num(r.latencyMs().p95(), "%.0f"), num(r.latencyMs().p99(), "%.0f"), bytes(r.denseBytes()),
          bytes(r.embeddingBytes()), shares(r.stages())));
    }
  }

  private static String shares(StageShares s) {
    if (s.total() <= 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.0f/%.0f/%.0f/%.0f/%.0f/%.0f (%.0f ms/img)", s.percent(s.decode()),
        s.percent(s.preprocess()), s.percent(s.encoder()), s.percent(s.upsampler()), s.percent(s.encode()),
        s.percent(s.kafka()), s.total());
  }

  private static String num(double v, String format) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
  }

  private static String bytes(double v) {
    return v <= 0 || Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }
}
