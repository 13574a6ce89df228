package dev.anyup.streams.topology.frames;

import java.time.Duration;

/**
 * The camera-feed policy: which input frames are skipped before they are decoded. Both limits are by event time (the
 * {@code ImageEvent} capture timestamp); zero turns a limit off, and with both off no gate is added to the topology.
 *
 * @param maxAge {@code frames.max.age.ms}: a frame older than this when its turn comes is skipped ({@code STALE})
 * @param minInterval {@code frames.min.interval.ms}: per source (record key), a frame less than this after the last
 *     processed one is skipped ({@code SAMPLED}); the last processed event time lives in a changelogged store
 * @param skippedTopic {@code frames.skipped.topic}: where a small JSON record per skipped frame goes, in the same
 *     transaction as the input offset; empty for none (skipped frames are then only counted)
 */
public record FramePolicy(Duration maxAge, Duration minInterval, String skippedTopic) {

  /** Validates each value; the message names the key and the value. */
  public FramePolicy {
    if (maxAge == null || maxAge.isNegative()) {
      throw new IllegalArgumentException("frames.max.age.ms must not be negative (0 = off) but was "
          + (maxAge == null ? null : maxAge.toMillis()));
    }
    if (minInterval == null || minInterval.isNegative()) {
      throw new IllegalArgumentException("frames.min.interval.ms must not be negative (0 = off) but was "
          + (minInterval == null ? null : minInterval.toMillis()));
    }
    skippedTopic = skippedTopic == null ? "" : skippedTopic.trim();
  }

  /** Both limits off, no skipped topic: the topology is exactly what it is without this feature. */
  public static FramePolicy off() {
    return new FramePolicy(Duration.ZERO, Duration.ZERO, "");
  }

  /** Whether any frame can be skipped, i.e. whether the gate is part of the topology. */
  public boolean enabled() {
    return freshness() || sampling();
  }

  /** Whether {@code frames.max.age.ms} is on. */
  public boolean freshness() {
    return !maxAge.isZero();
  }

  /** Whether {@code frames.min.interval.ms} is on. */
  public boolean sampling() {
    return !minInterval.isZero();
  }

  /** Whether skipped frames are published to {@link #skippedTopic()}. */
  public boolean publishesSkipped() {
    return !skippedTopic.isEmpty();
  }

  /**
   * The policy in force, in one line for the start-up log: what is skipped, by which key, and where skipped frames
   * go (e.g. {@code frames policy: skip frames older than 3000 ms (STALE); at most one frame per source every 400 ms
   * (SAMPLED); skipped frames counted only}).
   */
  public String describe() {
    if (!enabled()) {
      return "frames policy: off (every frame is processed; frames.max.age.ms and frames.min.interval.ms are 0)";
    }
    StringBuilder b = new StringBuilder("frames policy: ");
    if (freshness()) {
      b.append("skip frames older than ").append(maxAge.toMillis()).append(" ms when their turn comes (STALE, "
          + "frames.max.age.ms)");
    }
    if (sampling()) {
      if (freshness()) {
        b.append("; ");
      }
      b.append("at most one frame per source every ").append(minInterval.toMillis()).append(" ms of capture time "
          + "(SAMPLED, frames.min.interval.ms)");
    }
    b.append(publishesSkipped() ? "; skipped frames published to " + skippedTopic : "; skipped frames counted only "
        + "(anyup_frames_skipped_total{source,reason})");
    return b.toString();
  }
}
