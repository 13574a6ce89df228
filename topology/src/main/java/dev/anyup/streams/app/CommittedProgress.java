package dev.anyup.streams.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Committed progress of the input partitions this instance owns: what {@code /ready} and the committed-progress
 * metrics are made of. The attempted-images counter counts outputs forwarded inside a transaction that may still be
 * aborted; only the group's committed offsets say that work is done.
 *
 * <p>Fed snapshots ({@link #update}) of the owned input partitions, their committed offsets and their end offsets; a
 * partition whose committed offset is behind its end offset and has not moved for {@code stallTimeout} is stalled. A
 * partition at its end offset is idle, not stalled; the stall clock starts at the last committed advance or when
 * records start waiting, whichever is later. Time is injected (monotonic nanoseconds). Meters:
 * {@code anyup.input.committed.offset{partition}} and {@code anyup.input.lag{partition}} (end minus committed) for
 * every owned partition, and {@code anyup.input.records.committed{partition}}, the offsets committed while this
 * instance owned the partition (input records done, dead letters included; on a transactional input, markers too).
 */
final class CommittedProgress {
  private final MeterRegistry registry;
  private final long stallNanos;
  private final Map<TopicPartition, Tracked> tracked = new HashMap<>();
  private long ownsNothingSince;
  /** Where each input partition's committed offset stood when the instance started; used at its first sight. */
  private final Map<TopicPartition, Long> startedFrom = new HashMap<>();

  /** @param nowNanos the time the instance started: it owns nothing until its first assignment */
  CommittedProgress(MeterRegistry registry, Duration stallTimeout, long nowNanos) {
    this.registry = registry;
    this.stallNanos = stallTimeout.toNanos();
    this.ownsNothingSince = nowNanos;
  }

  /** One partition's progress. */
  private static final class Tracked {
    final AtomicLong committed = new AtomicLong(-1);
    final AtomicLong lag = new AtomicLong();
    long lastAdvanceNanos;
    List<Meter> meters;
  }

  /**
   * The group's committed offsets before Kafka Streams started (a partition never committed: its log start offset).
   * Without it, a partition's first snapshot is its baseline, and whatever was committed between the start and that
   * snapshot (one poll interval: issue 26 saw 11 counted of 14 committed) would never be counted.
   */
  synchronized void startedFrom(Map<TopicPartition, Long> committedAtStart) {
    startedFrom.putAll(committedAtStart);
  }

  /**
   * Records a snapshot.
   *
   * @param owned the input partitions this instance's active tasks own now
   * @param committed the group's committed offsets (a partition without one has committed nothing yet: 0)
   * @param end the partitions' end offsets
   */
  synchronized void update(Set<TopicPartition> owned, Map<TopicPartition, Long> committed,
      Map<TopicPartition, Long> end, long nowNanos) {
    if (!owned.isEmpty()) {
      ownsNothingSince = -1;
    } else if (ownsNothingSince < 0) {
      ownsNothingSince = nowNanos;
    }
    tracked.keySet().removeIf(tp -> {
      if (owned.contains(tp)) {
        return false;
      }
      tracked.get(tp).meters.forEach(registry::remove);
      return true;
    });
    for (TopicPartition tp : owned) {
      Tracked t = tracked.computeIfAbsent(tp, k -> register(k, nowNanos));
      Long atStart = startedFrom.remove(tp); // only for the first ownership: a later one starts at its first sight
      if (atStart != null && t.committed.get() < 0) {
        t.committed.set(atStart);
      }
      long c = committed.getOrDefault(tp, 0L);
      long previous = t.committed.getAndSet(c);
      if (previous >= 0 && c > previous) {
        t.lastAdvanceNanos = nowNanos;
        ((Counter) t.meters.get(2)).increment(c - previous);
      }
      Long e = end.get(tp);
      if (e != null) {
        long lag = Math.max(0, e - c);
        if (t.lag.getAndSet(lag) == 0 && lag > 0) {
          t.lastAdvanceNanos = nowNanos; // idle until now: the stall clock starts with the first waiting record
        }
      }
    }
  }

  private Tracked register(TopicPartition tp, long nowNanos) {
    Tracked t = new Tracked();
    t.lastAdvanceNanos = nowNanos;
    String p = tp.topic() + "-" + tp.partition();
    t.meters = List.of(
        Gauge.builder("anyup.input.committed.offset", t.committed, AtomicLong::get)
            .description("the group's committed offset of an owned input partition").tag("partition", p)
            .register(registry),
        Gauge.builder("anyup.input.lag", t.lag, AtomicLong::get)
            .description("records of an owned input partition beyond its committed offset").tag("partition", p)
            .register(registry),
        Counter.builder("anyup.input.records.committed")
            .description("input offsets committed while this instance owned the partition (records done, dead "
                + "letters included)").tag("partition", p).register(registry));
    return t;
  }

  /**
   * A stalled partition, described for {@code /ready}: owned, records waiting beyond the committed offset, and no
   * committed progress for longer than the stall timeout.
   */
  synchronized Optional<String> stalled(long nowNanos) {
    Set<String> stalled = new TreeSet<>();
    tracked.forEach((tp, t) -> {
      long still = nowNanos - t.lastAdvanceNanos;
      if (t.lag.get() > 0 && still > stallNanos) {
        stalled.add(tp + " (" + t.lag.get() + " records behind, no commit for "
            + Duration.ofNanos(still).toSeconds() + " s)");
      }
    });
    return stalled.isEmpty() ? Optional.empty() : Optional.of("no committed progress on " + stalled);
  }

  /** How long this instance has owned no input partition (as last seen), or empty while it owns some. */
  synchronized Optional<Duration> ownsNothingFor(long nowNanos) {
    return ownsNothingSince < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nowNanos - ownsNothingSince));
  }

  /** The owned partitions as last seen. */
  synchronized Set<TopicPartition> owned() {
    return Set.copyOf(tracked.keySet());
  }
}
