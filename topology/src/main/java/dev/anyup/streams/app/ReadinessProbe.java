package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The rule behind {@code GET /ready}: is this instance doing its share? Ready when Kafka Streams is RUNNING (or
 * rebalancing for less than {@code readiness.rebalance.grace.ms} after having run), it owns input partitions (or has
 * owned none for less than the grace), none of them is stalled (records waiting, no committed progress for
 * {@code readiness.progress.timeout.ms}; an owned partition with nothing to read is idle, and idle is ready), no stream
 * thread was replaced within {@code readiness.thread.death.window.ms}, no fatal JVM error shut it down, and the broker
 * and the schema registry answer ({@link OutageWatch}: not ready while one is unreachable, saying which and how long).
 *
 * <p>Before the first RUNNING (startup: models loaded, first assignment) it is never ready. {@code /health} is the
 * liveness probe and depends on none of this: a rebalance or a stall must not restart a process that can recover.
 * It is also the client's state listener, to know since when a rebalance lasts; time is injected.
 */
final class ReadinessProbe implements KafkaStreams.StateListener {
  /** The answer of {@code /ready}: ready or not, and why. */
  record Verdict(boolean ready, String reason) {
    static Verdict ready(String reason) {
      return new Verdict(true, reason);
    }

    static Verdict notReady(String reason) {
      return new Verdict(false, reason);
    }
  }

  private final Supplier<KafkaStreams.State> state;
  private final StreamThreadWatch threads;
  private final CommittedProgress progress;
  private final AppConfig.Readiness cfg;
  private final LongSupplier nanoTime;
  private final Runnable onRunning;
  private final Supplier<Optional<String>> outages;
  private volatile boolean ranOnce;
  private volatile long leftRunningNanos;

  /** @param onRunning called on every transition to RUNNING (the assignment log line) */
  ReadinessProbe(Supplier<KafkaStreams.State> state, StreamThreadWatch threads, CommittedProgress progress,
      AppConfig.Readiness cfg, LongSupplier nanoTime, Runnable onRunning) {
    this(state, threads, progress, cfg, nanoTime, onRunning, Optional::empty);
  }

  /** @param outages which servers are unreachable, and since when ({@link OutageWatch#outages}) */
  ReadinessProbe(Supplier<KafkaStreams.State> state, StreamThreadWatch threads, CommittedProgress progress,
      AppConfig.Readiness cfg, LongSupplier nanoTime, Runnable onRunning, Supplier<Optional<String>> outages) {
    this.outages = outages;
    this.state = state;
    this.threads = threads;
    this.progress = progress;
    this.cfg = cfg;
    this.nanoTime = nanoTime;
    this.onRunning = onRunning;
  }

  @Override
  public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    if (newState == KafkaStreams.State.RUNNING) {
      ranOnce = true;
      onRunning.run();
    } else if (oldState == KafkaStreams.State.RUNNING) {
      leftRunningNanos = nanoTime.getAsLong();
    }
  }

  /**
   * The answer of {@code /health}: failing once Kafka Streams was shut down for good (a fatal JVM error, a missing
   * ACL, rejected credentials), because then no restart of the stream threads will help and the process must go.
   */
  Verdict health() {
    String stopped = threads.stoppedBecause();
    return stopped == null ? Verdict.ready("ok") : Verdict.notReady(stopped);
  }

  Verdict verdict() {
    long now = nanoTime.getAsLong();
    String stopped = threads.stoppedBecause();
    if (stopped != null) {
      return Verdict.notReady(stopped);
    }
    Optional<String> outage = outages.get();
    if (outage.isPresent()) {
      return Verdict.notReady(outage.get());
    }
    if (threads.recentlyReplaced()) {
      return Verdict.notReady("a stream thread died and was replaced within readiness.thread.death.window.ms ("
          + cfg.threadDeathWindow().toMillis() + " ms)");
    }
    KafkaStreams.State s = state.get();
    String rebalancing = null;
    if (s != KafkaStreams.State.RUNNING) {
      Duration out = Duration.ofNanos(now - leftRunningNanos);
      if (!(ranOnce && s == KafkaStreams.State.REBALANCING && out.compareTo(cfg.rebalanceGrace()) < 0)) {
        return Verdict.notReady("Kafka Streams is " + s + (ranOnce && s == KafkaStreams.State.REBALANCING
            ? " for " + out.toMillis() + " ms, longer than readiness.rebalance.grace.ms" : ""));
      }
      rebalancing = "rebalancing for " + out.toMillis() + " ms (within readiness.rebalance.grace.ms)";
    }
    Optional<Duration> idle = progress.ownsNothingFor(now);
    if (idle.isPresent() && idle.get().compareTo(cfg.rebalanceGrace()) >= 0) {
      return Verdict.notReady("owns no input partition for " + idle.get().toMillis()
          + " ms (more instances than input partitions, or not assigned)");
    }
    Optional<String> stalled = progress.stalled(now);
    if (stalled.isPresent()) {
      return Verdict.notReady(stalled.get());
    }
    return Verdict.ready(rebalancing != null ? rebalancing : "running; owns " + progress.owned().size()
        + " input partition(s), none stalled");
  }
}
