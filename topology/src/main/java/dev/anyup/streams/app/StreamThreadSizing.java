package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.util.Optional;

/**
 * What batch size can actually form on this instance, said once at startup. Each stream thread has one image in
 * flight and a thread only has work while it owns input partitions, so the largest model batch is
 * {@code min(batch.max.size, stream threads, input partitions)} — and, with several instances in the group, the
 * partitions are shared among all their threads.
 *
 * @param threads the stream threads this instance runs
 * @param origin where that number comes from: {@code streams.num.stream.threads}, the GPU default or the CPU default
 * @param inputPartitions partitions of the input topic
 * @param maxBatch {@code batch.max.size}
 * @param effectiveBatch the largest batch that can form when this instance owns every input partition
 */
record StreamThreadSizing(int threads, String origin, int inputPartitions, int maxBatch, int effectiveBatch) {

  static StreamThreadSizing of(AppConfig cfg, int inputPartitions) {
    String origin = cfg.streamThreadsExplicit() ? "streams.num.stream.threads"
        : cfg.model().device().startsWith("cuda:") ? "GPU default batch.max.size x (batch.workers + 1) = "
            + cfg.batch().maxSize() + " x " + (cfg.cpuBudget().workers() + 1)
            : "CPU default";
    int threads = cfg.streamThreads();
    int effective = Math.min(cfg.batch().maxSize(), Math.min(threads, inputPartitions));
    return new StreamThreadSizing(threads, origin, inputPartitions, cfg.batch().maxSize(), effective);
  }

  /** The startup log line. */
  String summary() {
    return threads + " stream threads (" + origin + "), input topic with " + inputPartitions + " partitions, "
        + "batch.max.size " + maxBatch + ": batches of at most " + effectiveBatch + " images can form on this instance"
        + (effectiveBatch < maxBatch ? " (fewer than batch.max.size: raise "
            + (threads < maxBatch ? "the stream threads" : "the input partitions") + " to fill it)" : "")
        + "; with N instances in the group each owns about " + inputPartitions + "/N partitions";
  }

  /** A warning when some stream threads can never have work, even with this instance alone in the group. */
  Optional<String> warning() {
    if (inputPartitions >= threads) {
      return Optional.empty();
    }
    return Optional.of("input topic has " + inputPartitions + " partitions but this instance runs " + threads
        + " stream threads: " + (threads - inputPartitions) + " of them will be idle (a partition is processed by one "
        + "thread of the whole group); add input partitions or lower streams.num.stream.threads");
  }
}
