package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommittedProgressTest {
  private static final TopicPartition P0 = new TopicPartition("images", 0);
  private static final TopicPartition P1 = new TopicPartition("images", 1);
  private static final long S = 1_000_000_000L;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CommittedProgress progress = new CommittedProgress(registry, Duration.ofSeconds(10), 0);

  @Test
  void partitionWithWaitingRecordsAndNoCommitForLongerThanTheTimeoutIsStalled() {
    progress.update(Set.of(P0), Map.of(P0, 5L), Map.of(P0, 9L), 0);
    assertFalse(progress.stalled(10 * S).isPresent(), "not longer than the timeout yet");
    progress.update(Set.of(P0), Map.of(P0, 5L), Map.of(P0, 9L), 11 * S);
    assertTrue(progress.stalled(11 * S).orElseThrow().contains("images-0 (4 records behind"),
        progress.stalled(11 * S).toString());
  }

  @Test
  void committedAdvanceRestartsTheStallClockAndCountsCommittedRecords() {
    progress.update(Set.of(P0), Map.of(P0, 5L), Map.of(P0, 9L), 0);
    progress.update(Set.of(P0), Map.of(P0, 7L), Map.of(P0, 12L), 8 * S);
    assertFalse(progress.stalled(17 * S).isPresent(), "advanced at 8 s");
    assertTrue(progress.stalled(19 * S).isPresent());
    assertEquals(2.0, registry.get("anyup.input.records.committed").tag("partition", "images-0").counter().count());
    assertEquals(5.0, registry.get("anyup.input.lag").tag("partition", "images-0").gauge().value());
    assertEquals(7.0, registry.get("anyup.input.committed.offset").tag("partition", "images-0").gauge().value());
  }

  @Test
  void committedRecordsCountFromWhereTheGroupStoodAtStartNotFromTheFirstLook() {
    // issue 26: 14 committed, 11 counted: 3 were committed before the poller's first look
    progress.startedFrom(Map.of(P0, 0L));
    progress.update(Set.of(P0), Map.of(P0, 3L), Map.of(P0, 14L), S);
    progress.update(Set.of(P0), Map.of(P0, 14L), Map.of(P0, 14L), 2 * S);
    assertEquals(14.0, registry.get("anyup.input.records.committed").tag("partition", "images-0").counter().count());
    // owned again after a rebalance: the first look is the baseline, the start no longer applies
    progress.update(Set.of(P1), Map.of(P0, 14L, P1, 5L), Map.of(P1, 9L), 3 * S);
    progress.update(Set.of(P0), Map.of(P0, 20L), Map.of(P0, 20L), 4 * S);
    assertEquals(0.0, registry.get("anyup.input.records.committed").tag("partition", "images-0").counter().count(),
        "a re-owned partition starts at its first look");
  }

  @Test
  void idlePartitionAtItsEndOffsetIsNeverStalled() {
    progress.update(Set.of(P0), Map.of(P0, 9L), Map.of(P0, 9L), 0);
    progress.update(Set.of(P0), Map.of(P0, 9L), Map.of(P0, 9L), 600 * S);
    assertFalse(progress.stalled(600 * S).isPresent());
  }

  @Test
  void stallClockOfAnIdlePartitionStartsWithItsFirstWaitingRecord() {
    progress.update(Set.of(P0), Map.of(P0, 9L), Map.of(P0, 9L), 0);
    progress.update(Set.of(P0), Map.of(P0, 9L), Map.of(P0, 10L), 600 * S);
    assertFalse(progress.stalled(605 * S).isPresent(), "a record arrived at 600 s after a long idle time");
    assertTrue(progress.stalled(611 * S).isPresent());
  }

  @Test
  void partitionWithoutCommittedOffsetCountsFromZeroAndALostPartitionDropsItsMeters() {
    progress.update(Set.of(P0, P1), Map.of(P0, 3L), Map.of(P0, 3L, P1, 2L), 0);
    assertEquals(2.0, registry.get("anyup.input.lag").tag("partition", "images-1").gauge().value());
    progress.update(Set.of(P0), Map.of(P0, 3L), Map.of(P0, 3L), S);
    assertTrue(registry.find("anyup.input.lag").tag("partition", "images-1").meters().isEmpty());
    assertEquals(Set.of(P0), progress.owned());
  }

  @Test
  void ownsNothingFromStartUntilTheFirstAssignmentAndAgainAfterLosingIt() {
    assertEquals(Duration.ofSeconds(3), progress.ownsNothingFor(3 * S).orElseThrow());
    progress.update(Set.of(P0), Map.of(), Map.of(P0, 0L), 4 * S);
    assertFalse(progress.ownsNothingFor(5 * S).isPresent());
    progress.update(Set.of(), Map.of(), Map.of(), 6 * S);
    assertEquals(Duration.ofSeconds(2), progress.ownsNothingFor(8 * S).orElseThrow());
  }
}
