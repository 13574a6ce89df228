package dev.anyup.streams.topology.frames;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code anyup.frames.skipped{reason,source}}: frames the gate skipped. One time series per source, so the source id
 * (camera id) should be of bounded cardinality, as camera fleets are.
 */
public final class FrameMetrics {
  /** The counter's name (the console's frames panel reads it). */
  public static final String SKIPPED = "anyup.frames.skipped";
  private final MeterRegistry registry;

  public FrameMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void skipped(SkipReason reason, String source) {
    Counter.builder(SKIPPED).description("frames skipped before decoding, by reason and source")
        .tag("reason", reason.name()).tag("source", source).register(registry).increment();
  }

  /** Frames skipped so far for {@code reason}, all sources. */
  public double skipped(SkipReason reason) {
    return registry.find(SKIPPED).tag("reason", reason.name()).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Frames skipped so far, all reasons and sources. */
  public double skipped() {
    return registry.find(SKIPPED).counters().stream().mapToDouble(Counter::count).sum();
  }
}
