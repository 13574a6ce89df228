package dev.anyup.streams.console;

import dev.anyup.streams.topology.PipelineMetrics;
import dev.anyup.streams.topology.frames.FrameMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The console's charts' data: once per interval, the pipeline's own meters ({@code anyup.images.attempted},
 * {@code anyup.process.latency}, {@code anyup.batch.size}, {@code anyup.dead.letters},
 * {@code anyup.input.records.lag}) turned into one point per series over the last interval: throughput, latency
 * p50/p99 (from the timer's cumulative histogram bucket counts, as the app's Prometheus registry keeps them, so the
 * value is the upper bound of the bucket the quantile falls in), mean batch size, dead letters so far by stage/reason, and the input consumers' lag summed over the
 * partitions this instance owns (NaN when none reports). Keeps the last {@link #POINTS} points. Nothing here is on the stream thread.
 */
final class MetricsSampler {
  static final int POINTS = 120;

  /** One chart point; latency and batch fields are NaN when nothing was processed in the interval. */
  record Point(long millis, double imagesPerSecond, double p50Millis, double p99Millis, double batchMean,
      Map<String, Double> deadLetters, double inputLag) {}

  private final MeterRegistry registry;
  private final Deque<Point> points = new ArrayDeque<>();
  private long lastMillis = -1;
  private double lastProcessed;
  private long[] lastBuckets = new long[0];
  private long lastBatchCount;
  private double lastBatchTotal;

  MetricsSampler(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Takes one point at {@code nowMillis} (the first call only sets the baseline). */
  synchronized void sample(long nowMillis) {
    double processed = registry.find(PipelineMetrics.IMAGES_ATTEMPTED).counters().stream().mapToDouble(Counter::count).sum();
    Timer latency = registry.find(PipelineMetrics.PROCESS_LATENCY).timer();
    CountAtBucket[] buckets = latency == null ? new CountAtBucket[0] : latency.takeSnapshot().histogramCounts();
    long[] counts = new long[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      counts[i] = (long) buckets[i].count();
    }
    DistributionSummary batch = registry.find(PipelineMetrics.BATCH_SIZE).summary();
    long batchCount = batch == null ? 0 : batch.count();
    double batchTotal = batch == null ? 0 : batch.totalAmount();
    Map<String, Double> dead = new TreeMap<>();
    for (Counter c : registry.find(PipelineMetrics.DEAD_LETTERS).counters()) {
      dead.merge(c.getId().getTag("stage") + "/" + c.getId().getTag("reason"), c.count(), Double::sum);
    }
    double lag = Double.NaN;
    for (Gauge g : registry.find("anyup.input.records.lag").gauges()) {
      double v = g.value();
      if (Double.isFinite(v)) {
        lag = (Double.isNaN(lag) ? 0 : lag) + v;
      }
    }
    if (lastMillis >= 0 && nowMillis > lastMillis && counts.length == lastBuckets.length) {
      double seconds = (nowMillis - lastMillis) / 1000.0;
      long[] delta = new long[counts.length];
      for (int i = 0; i < counts.length; i++) {
        delta[i] = counts[i] - lastBuckets[i];
      }
      long batches = batchCount - lastBatchCount;
      points.addLast(new Point(nowMillis, (processed - lastProcessed) / seconds, quantile(buckets, delta, 0.50),
          quantile(buckets, delta, 0.99), batches == 0 ? Double.NaN : (batchTotal - lastBatchTotal) / batches,
          dead, lag));
      while (points.size() > POINTS) {
        points.removeFirst();
      }
    }
    lastMillis = nowMillis;
    lastProcessed = processed;
    lastBuckets = counts;
    lastBatchCount = batchCount;
    lastBatchTotal = batchTotal;
  }

  /** Upper bound (ms) of the bucket holding quantile {@code q} of the interval's samples, from cumulative counts. */
  static double quantile(CountAtBucket[] buckets, long[] cumulativeDelta, double q) {
    if (cumulativeDelta.length == 0 || cumulativeDelta[cumulativeDelta.length - 1] <= 0) {
      return Double.NaN;
    }
    double target = q * cumulativeDelta[cumulativeDelta.length - 1];
    for (int i = 0; i < cumulativeDelta.length; i++) {
      if (cumulativeDelta[i] >= target) {
        return buckets[i].bucket(TimeUnit.MILLISECONDS);
      }
    }
    return buckets[buckets.length - 1].bucket(TimeUnit.MILLISECONDS);
  }

  synchronized List<Point> points() {
    return List.copyOf(points);
  }

  /**
   * One source's frames so far: processed (with their age, capture to built outputs: mean and max), and skipped by
   * the frames policy by reason ({@code STALE}, {@code SAMPLED}).
   */
  record Frames(String source, long processed, double ageMeanMillis, double ageMaxMillis, Map<String, Double> skipped) {}

  /** Per source, in source id order: the console's frames-policy panel. Read now, from the pipeline's own meters. */
  List<Frames> frames() {
    Map<String, Timer> ages = new TreeMap<>();
    for (Timer t : registry.find(PipelineMetrics.FRAME_AGE).timers()) {
      ages.put(String.valueOf(t.getId().getTag("source")), t);
    }
    Map<String, Map<String, Double>> skipped = new TreeMap<>();
    for (Counter c : registry.find(FrameMetrics.SKIPPED).counters()) {
      skipped.computeIfAbsent(String.valueOf(c.getId().getTag("source")), s -> new TreeMap<>())
          .merge(String.valueOf(c.getId().getTag("reason")), c.count(), Double::sum);
    }
    java.util.Set<String> sources = new java.util.TreeSet<>(ages.keySet());
    sources.addAll(skipped.keySet());
    List<Frames> out = new java.util.ArrayList<>();
    for (String s : sources) {
      Timer t = ages.get(s);
      long n = t == null ? 0 : t.count();
      out.add(new Frames(s, n, n == 0 ? Double.NaN : t.mean(TimeUnit.MILLISECONDS),
          n == 0 ? Double.NaN : t.max(TimeUnit.MILLISECONDS), skipped.getOrDefault(s, Map.of())));
    }
    return out;
  }
}
