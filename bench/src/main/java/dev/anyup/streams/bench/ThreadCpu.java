package dev.anyup.streams.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of this JVM's threads by role, between two snapshots: the model calls (the batcher's workers), the
 * pipeline around them (the app's stream threads, their producers' network threads and the app's other threads:
 * decode, preprocess, encode, Avro, Kafka clients), and everything else in the benchmark process (the in-process
 * broker, the timing consumer, the input producer). Plus the JIT compiler's time, which is not a Java thread's.
 *
 * <p>This is the pipeline's own cost as CPU per image, independent of what else shares the machine: on the 2-core
 * benchmark host the broker and the timing consumer take cores a production deployment would not share with the app.
 * Threads that ended between the snapshots are not counted (none of these roles ends during a run).
 */
final class ThreadCpu {

  /** CPU nanoseconds per role, and the JIT's compilation milliseconds. */
  record Snapshot(Map<Long, Long> byThread, Map<Long, String> names, long jitMs) {}

  /** Per-image milliseconds of CPU by role. */
  record PerImage(double model, double pipeline, double others, double jit) {

    /** The pipeline's own CPU per image over the model calls' (0 when no model time was seen). */
    double ownOverModel() {
      return model <= 0 ? 0 : pipeline / model;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT,
          "CPU per image: model calls %.1f ms, pipeline around them %.1f ms (%.2f of the model's), broker + timing"
              + " consumer + bench %.1f ms, JIT %.1f ms", model, pipeline, ownOverModel(), others, jit);
    }
  }

  private ThreadCpu() {}

  /** Whether this JVM can measure per-thread CPU time (HotSpot on Linux can). */
  static boolean supported() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    return mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled();
  }

  static Snapshot snapshot() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long t = mx.getThreadCpuTime(info.getThreadId());
      if (t >= 0) {
        cpu.put(info.getThreadId(), t);
        names.put(info.getThreadId(), info.getThreadName());
      }
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    return new Snapshot(cpu, names, jitMs);
  }

  /**
   * What each role used between {@code before} and {@code after}, per image.
   *
   * @param appId the app's {@code application.id}: its stream threads, their producers and its consumer's
   *     heartbeat thread carry it in their names
   */
  static PerImage between(Snapshot before, Snapshot after, String appId, int images) {
    double model = 0;
    double pipeline = 0;
    double others = 0;
    for (Map.Entry<Long, Long> e : after.byThread().entrySet()) {
      long used = e.getValue() - before.byThread().getOrDefault(e.getKey(), 0L);
      String name = after.names().get(e.getKey());
      switch (role(name, appId)) {
        case "model" -> model += used;
        case "pipeline" -> pipeline += used;
        default -> others += used;
      }
    }
    double n = Math.max(1, images) * 1e6;
    return new PerImage(model / n, pipeline / n, others / n, (after.jitMs() - before.jitMs()) / (double) Math.max(1, images));
  }

  /** {@code model}, {@code pipeline} or {@code other}, from a thread's name. */
  static String role(String name, String appId) {
    if (name == null) {
      return "other";
    }
    if (name.startsWith("anyup-batcher")) {
      return "model";
    }
    if (name.contains(appId) || name.startsWith("anyup-")) {
      return "pipeline";
    }
    return "other";
  }
}
