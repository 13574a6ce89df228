package dev.anyup.streams.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts and totals of the app's pipeline meters ({@code PipelineMetrics}: {@code anyup.stage.latency} per stage,
 * {@code anyup.batch.duration}, {@code anyup.batch.size}) at one instant, so a measured window is the difference of two
 * snapshots (the warm-up is excluded).
 */
record MeterSnapshot(Map<String, double[]> stages, double batches, double batchMs, double batchedImages) {

  static final String[] STAGES = {"decode", "preprocess", "inference", "encode"};

  static MeterSnapshot of(MeterRegistry registry) {
    Map<String, double[]> stages = new HashMap<>();
    for (String stage : STAGES) {
      Timer t = registry.find("anyup.stage.latency").tag("stage", stage).timer();
      stages.put(stage, t == null ? new double[2] : new double[] {t.count(), t.totalTime(TimeUnit.MILLISECONDS)});
    }
    Timer batch = registry.find("anyup.batch.duration").timer();
    DistributionSummary sizes = registry.find("anyup.batch.size").summary();
    return new MeterSnapshot(stages, batch == null ? 0 : batch.count(),
        batch == null ? 0 : batch.totalTime(TimeUnit.MILLISECONDS), sizes == null ? 0 : sizes.totalAmount());
  }

  MeterSnapshot minus(MeterSnapshot earlier) {
    Map<String, double[]> diff = new HashMap<>();
    stages.forEach((k, v) -> {
      double[] e = earlier.stages.getOrDefault(k, new double[2]);
      diff.put(k, new double[] {v[0] - e[0], v[1] - e[1]});
    });
    return new MeterSnapshot(diff, batches - earlier.batches, batchMs - earlier.batchMs,
        batchedImages - earlier.batchedImages);
  }

  /** Mean ms per image in {@code stage} over the window; 0 when it saw no image. */
  double stageMs(String stage) {
    double[] v = stages.getOrDefault(stage, new double[2]);
    return v[0] <= 0 ? 0 : v[1] / v[0];
  }
}
