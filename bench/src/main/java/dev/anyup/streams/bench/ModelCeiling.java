package dev.anyup.streams.bench;

import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The model-only ceiling: {@link FeatureExtractor#run} on pre-decoded, pre-normalised inputs in a tight loop, one
 * caller, no Kafka. What the pipeline would reach if everything around the models were free.
 */
final class ModelCeiling {

  /** One measured batch size: throughput and the distribution of per-call wall times (ms). */
  record Result(int batchSize, int calls, double imagesPerSecond, Percentiles callMs) {}

  private final FeatureExtractor extractor;
  private final List<PreprocessedImage> inputs;
  private final LongSupplier ticker;

  private ModelCeiling(FeatureExtractor extractor, List<PreprocessedImage> inputs, LongSupplier ticker) {
    this.extractor = extractor;
    this.inputs = inputs;
    this.ticker = ticker;
  }

  /** Prepares {@code maxBatch} distinct synthetic frames through {@code preprocessor} (outside the timed loop). */
  static ModelCeiling prepare(FeatureExtractor extractor, Preprocessor preprocessor, SyntheticImages frames,
      int maxBatch, LongSupplier ticker) {
    if (maxBatch <= 0) {
      throw new IllegalArgumentException("maxBatch must be positive, was " + maxBatch);
    }
    List<PreprocessedImage> inputs = new ArrayList<>(maxBatch);
    for (int i = 0; i < maxBatch; i++) {
      inputs.add(preprocessor.apply(frames.decoded(i)));
    }
    return new ModelCeiling(extractor, List.copyOf(inputs), ticker);
  }

  /** Runs batches of {@code batchSize} until both {@code minTime} and {@code minCalls} are reached, after one warm-up. */
  Result measure(int batchSize, Duration minTime, int minCalls) {
    if (batchSize <= 0 || batchSize > inputs.size()) {
      throw new IllegalArgumentException("batchSize must be in [1, " + inputs.size() + "], was " + batchSize);
    }
    List<PreprocessedImage> batch = inputs.subList(0, batchSize);
    extractor.run(batch); // warm-up: ORT allocates its arenas and picks kernels on the first call of a shape
    List<Double> callMs = new ArrayList<>();
    long start = ticker.getAsLong();
    long now = start;
    while (callMs.size() < minCalls || now - start < minTime.toNanos()) {
      long t0 = ticker.getAsLong();
      extractor.run(batch);
      now = ticker.getAsLong();
      callMs.add((now - t0) / 1e6);
    }
    double seconds = (now - start) / 1e9;
    double[] ms = callMs.stream().mapToDouble(Double::doubleValue).toArray();
    return new Result(batchSize, ms.length, batchSize * ms.length / seconds, Percentiles.of(ms));
  }

  /**
   * {@code callers} threads each running batches of one in a loop for {@code minTime} (after one warm-up call each):
   * the model-only throughput when several images are in flight at once, as with {@code batch.workers} > 1.
   */
  Result measureConcurrent(int callers, Duration minTime) throws InterruptedException {
    if (callers <= 0 || callers > inputs.size()) {
      throw new IllegalArgumentException("callers must be in [1, " + inputs.size() + "], was " + callers);
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
    try {
      List<java.util.concurrent.Callable<List<Double>>> tasks = new ArrayList<>();
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(callers);
      long[] startedAt = new long[1];
      for (int c = 0; c < callers; c++) {
        List<PreprocessedImage> one = inputs.subList(c, c + 1);
        tasks.add(() -> {
          extractor.run(one);
          start.await();
          synchronized (startedAt) {
            if (startedAt[0] == 0) {
              startedAt[0] = ticker.getAsLong();
            }
          }
          List<Double> ms = new ArrayList<>();
          long begin = ticker.getAsLong();
          while (ticker.getAsLong() - begin < minTime.toNanos() || ms.size() < 2) {
            long t0 = ticker.getAsLong();
            extractor.run(one);
            ms.add((ticker.getAsLong() - t0) / 1e6);
          }
          return ms;
        });
      }
      List<Double> all = new ArrayList<>();
      for (java.util.concurrent.Future<List<Double>> f : pool.invokeAll(tasks)) {
        try {
          all.addAll(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("a concurrent ceiling caller failed: " + e.getCause(), e.getCause());
        }
      }
      double seconds = (ticker.getAsLong() - startedAt[0]) / 1e9;
      double[] ms = all.stream().mapToDouble(Double::doubleValue).toArray();
      return new Result(1, ms.length, ms.length / seconds, Percentiles.of(ms));
    } finally {
      pool.shutdownNow();
    }
  }
}
