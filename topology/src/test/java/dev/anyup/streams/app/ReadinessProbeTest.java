package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

class ReadinessProbeTest {
  private static final TopicPartition P0 = new TopicPartition("images", 0);
  private static final long S = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong();
  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  private final AtomicInteger assignmentsLogged = new AtomicInteger();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AppConfig.Readiness cfg =
      new AppConfig.Readiness(Duration.ofMinutes(2), Duration.ofSeconds(20), Duration.ofSeconds(60));
  private final StreamThreadWatch threads = new StreamThreadWatch(registry, cfg.threadDeathWindow(), now::get, () -> { });
  private final CommittedProgress progress = new CommittedProgress(registry, cfg.progressTimeout(), 0);
  private final ReadinessProbe probe =
      new ReadinessProbe(state::get, threads, progress, cfg, now::get, assignmentsLogged::incrementAndGet);

  private void to(State s) {
    State old = state.getAndSet(s);
    probe.onChange(s, old);
  }

  private void runningWithOnePartition() {
    to(State.REBALANCING);
    to(State.RUNNING);
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 0L), now.get());
  }

  @Test
  void notReadyWhileStartingEvenWithinTheRebalanceGrace() {
    to(State.REBALANCING);
    assertFalse(probe.verdict().ready(), "a first rebalance is startup, not a short absence");
    runningWithOnePartition();
    assertTrue(probe.verdict().ready(), probe.verdict().reason());
    assertEquals(1, assignmentsLogged.get(), "the assignment is logged on RUNNING");
  }

  @Test
  void shortRebalanceAfterRunningStaysReadyAndALongOneIsNot() {
    runningWithOnePartition();
    now.set(100 * S);
    to(State.REBALANCING);
    now.set(119 * S);
    assertTrue(probe.verdict().ready(), probe.verdict().reason());
    now.set(121 * S);
    ReadinessProbe.Verdict v = probe.verdict();
    assertFalse(v.ready());
    assertTrue(v.reason().contains("REBALANCING for 21000 ms"), v.reason());
    to(State.RUNNING);
    assertTrue(probe.verdict().ready());
  }

  @Test
  void notReadyWhileAServerIsUnreachableSayingWhichAndHowLong() {
    AtomicReference<java.util.Optional<String>> outage = new AtomicReference<>(java.util.Optional.empty());
    ReadinessProbe watched = new ReadinessProbe(state::get, threads, progress, cfg, now::get, () -> { },
        outage::get);
    to(State.REBALANCING);
    watched.onChange(State.RUNNING, State.REBALANCING);
    state.set(State.RUNNING);
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 0L), now.get());
    assertTrue(watched.verdict().ready(), watched.verdict().reason());
    outage.set(java.util.Optional.of("broker b:9092 unreachable for 12 s: no answer"));
    assertEquals(new ReadinessProbe.Verdict(false, "broker b:9092 unreachable for 12 s: no answer"),
        watched.verdict());
    outage.set(java.util.Optional.empty());
    assertTrue(watched.verdict().ready(), watched.verdict().reason());
  }

  @Test
  void notReadyWhenNotRunningOrRebalancing() {
    runningWithOnePartition();
    to(State.PENDING_SHUTDOWN);
    assertFalse(probe.verdict().ready());
    to(State.NOT_RUNNING);
    assertEquals("Kafka Streams is NOT_RUNNING", probe.verdict().reason());
  }

  @Test
  void stalledPartitionMakesTheInstanceUnreadyAndIdleDoesNot() {
    runningWithOnePartition();
    now.set(600 * S);
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 0L), now.get());
    assertTrue(probe.verdict().ready(), "idle on an empty input for 10 minutes is ready");
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 3L), now.get());
    now.set(661 * S);
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 3L), now.get());
    ReadinessProbe.Verdict v = probe.verdict();
    assertFalse(v.ready());
    assertTrue(v.reason().startsWith("no committed progress on [images-0 (3 records behind"), v.reason());
    progress.update(Set.of(P0), Map.of(P0, 1L), Map.of(P0, 3L), now.get());
    assertTrue(probe.verdict().ready(), "one commit is progress");
  }

  @Test
  void owningNoPartitionLongerThanTheGraceIsNotReady() {
    runningWithOnePartition();
    now.set(10 * S);
    progress.update(Set.of(), Map.of(), Map.of(), now.get());
    now.set(29 * S);
    assertTrue(probe.verdict().ready(), "within the grace (a rebalance moving partitions)");
    now.set(31 * S);
    assertTrue(probe.verdict().reason().startsWith("owns no input partition"), probe.verdict().reason());
    assertFalse(probe.verdict().ready());
  }

  @Test
  void replacedStreamThreadMakesTheInstanceUnreadyForTheWindow() {
    runningWithOnePartition();
    threads.handle(new IllegalStateException("boom"));
    assertFalse(probe.verdict().ready());
    now.set(121 * S);
    progress.update(Set.of(P0), Map.of(P0, 0L), Map.of(P0, 0L), now.get());
    assertTrue(probe.verdict().ready(), probe.verdict().reason());
  }
}
