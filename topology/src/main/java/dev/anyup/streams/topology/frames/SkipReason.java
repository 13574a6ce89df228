package dev.anyup.streams.topology.frames;

/** Why a frame was skipped before decoding; the code is the {@code reason} tag and JSON field. */
public enum SkipReason {
  /** Older than {@code frames.max.age.ms} (event time) when its turn came. */
  STALE,
  /** Less than {@code frames.min.interval.ms} (event time) after the last processed frame of its source. */
  SAMPLED
}
