package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/** The fencer's decision and its windows, against a stand-in cluster whose transactions age by an injected clock. */
class ExpiredTransactionFencerTest {
  private static final long TIMEOUT_MS = 10_000;
  private static final String APP = "app";

  /** A stand-in coordinator: transactions with a start (ms on its own clock), a timeout and a state. */
  private static final class FakeCluster implements ExpiredTransactionFencer.Transactions {
    record Txn(long producerId, long startMs, long timeoutMs, TransactionState state) {}

    final AtomicLong nowMs = new AtomicLong(1_000_000);
    final Map<String, Txn> txns = new TreeMap<>();
    final List<Long> listCalls = new ArrayList<>();
    final List<String> fenced = new ArrayList<>();
    RuntimeException listFailure;
    /** Runs between the describe and the fence, to model a race. */
    Runnable beforeFence = () -> {};

    @Override
    public Collection<TransactionListing> ongoingOlderThan(long olderThanMs) {
      listCalls.add(olderThanMs);
      if (listFailure != null) {
        throw listFailure;
      }
      List<TransactionListing> out = new ArrayList<>();
      txns.forEach((id, t) -> {
        // the broker's own rule: state filter, then now - start > duration filter
        if (t.state() == TransactionState.ONGOING && nowMs.get() - t.startMs() > olderThanMs) {
          out.add(new TransactionListing(id, t.producerId(), t.state()));
        }
      });
      return out;
    }

    @Override
    public Map<String, TransactionDescription> describe(Collection<String> ids) {
      Map<String, TransactionDescription> out = new TreeMap<>();
      for (String id : ids) {
        Txn t = txns.get(id);
        if (t != null) {
          out.put(id, new TransactionDescription(1, t.state(), t.producerId(), 0, t.timeoutMs(),
              OptionalLong.of(t.startMs()), Set.of()));
        }
      }
      return out;
    }

    @Override
    public Map<String, Exception> fence(Collection<String> ids) {
      beforeFence.run();
      fenced.addAll(ids);
      for (String id : ids) {
        Txn t = txns.get(id);
        txns.put(id, new Txn(t.producerId(), -1, t.timeoutMs(), TransactionState.COMPLETE_ABORT));
      }
      return Map.of();
    }

    void open(String id, long producerId, long timeoutMs) {
      txns.put(id, new Txn(producerId, nowMs.get(), timeoutMs, TransactionState.ONGOING));
    }

    void advance(long ms) {
      nowMs.addAndGet(ms);
    }
  }

  private final FakeCluster cluster = new FakeCluster();
  private final ExpiredTransactionFencer fencer = new ExpiredTransactionFencer(APP, Duration.ofMillis(TIMEOUT_MS),
      cluster, () -> cluster.nowMs.get() * 1_000_000L);

  @Test
  void abortsADeadInstancesTransactionOnTheFirstSweepPastItsTimeoutPlusTheMargin() {
    cluster.open("app-4f1c-1", 7, TIMEOUT_MS);
    cluster.advance(6_000); // the session timeout: the survivors rebalance
    fencer.onChange(State.REBALANCING, State.RUNNING);
    long fencedAt = -1;
    for (int i = 0; i < 15 && fencedAt < 0; i++) {
      cluster.advance(1_000);
      if (!fencer.sweepIfDue().isEmpty()) {
        fencedAt = cluster.nowMs.get();
      }
    }
    assertEquals(List.of("app-4f1c-1"), cluster.fenced);
    // opened at t0, fenced on the first sweep later than t0 + 10 000 + 500 ms: t0 + 11 000 with 1 s sweeps
    assertEquals(1_000_000 + 11_000, fencedAt);
    assertEquals(TIMEOUT_MS + ExpiredTransactionFencer.MARGIN.toMillis(), cluster.listCalls.get(0));
  }

  @Test
  void leavesATransactionUnderItsTimeoutAlone() {
    fencer.onChange(State.REBALANCING, State.RUNNING);
    cluster.advance(1_000);
    cluster.open("app-live-1", 8, TIMEOUT_MS);
    for (int i = 0; i < 10; i++) { // 10 s after it opened: at its timeout, not past it plus the margin
      cluster.advance(1_000);
      fencer.sweepIfDue();
    }
    assertEquals(List.of(), cluster.fenced);
    assertEquals(10, cluster.listCalls.size());
  }

  @Test
  void leavesATransactionWithALongerOwnTimeoutAlone() {
    cluster.open("app-other-1", 9, 60_000); // e.g. an instance configured with a longer transaction.timeout.ms
    fencer.onChange(State.REBALANCING, State.RUNNING);
    for (int i = 0; i < 12; i++) {
      cluster.advance(1_000);
      fencer.sweepIfDue();
    }
    assertEquals(List.of(), cluster.fenced);
  }

  @Test
  void touchesOnlyThisApplicationsTransactionalIds() {
    cluster.open("app2-x-1", 1, TIMEOUT_MS); // another application whose id starts the same
    cluster.open("app", 2, TIMEOUT_MS); // the bare id, not a Streams thread's
    cluster.open("other-app-1", 3, TIMEOUT_MS);
    cluster.open("app-dead-1", 4, TIMEOUT_MS);
    fencer.onChange(State.REBALANCING, State.RUNNING);
    for (int i = 0; i < 12; i++) {
      cluster.advance(1_000);
      fencer.sweepIfDue();
    }
    assertEquals(List.of("app-dead-1"), cluster.fenced);
  }

  @Test
  void makesNoCallOutsideAWindowAndEachRebalanceOpensOne() {
    cluster.open("app-dead-1", 4, TIMEOUT_MS);
    for (int i = 0; i < 30; i++) {
      cluster.advance(1_000);
      fencer.sweepIfDue();
    }
    assertEquals(0, cluster.listCalls.size(), "no rebalance, no call");
    fencer.onChange(State.RUNNING, State.REBALANCING);
    fencer.onChange(State.PENDING_SHUTDOWN, State.RUNNING);
    cluster.advance(1_000);
    fencer.sweepIfDue();
    assertEquals(0, cluster.listCalls.size(), "only REBALANCING opens a window");

    fencer.onChange(State.REBALANCING, State.RUNNING);
    long windowMs = fencer.window().toMillis(); // timeout + margin + 2 sweeps = 12.5 s
    assertEquals(12_500, windowMs);
    for (int i = 0; i < 30; i++) {
      cluster.advance(1_000);
      fencer.sweepIfDue();
    }
    assertEquals(List.of("app-dead-1"), cluster.fenced, "30 s old at the first sweep");
    assertEquals(12, cluster.listCalls.size(), "one call a second until the window ends");
  }

  @Test
  void doesNotFenceAnIdThatANewProducerTookOverSinceTheListing() {
    cluster.open("app-dead-1", 4, TIMEOUT_MS);
    cluster.advance(11_000);
    ExpiredTransactionFencer.Transactions racing = new ExpiredTransactionFencer.Transactions() {
      @Override
      public Collection<TransactionListing> ongoingOlderThan(long olderThanMs) {
        Collection<TransactionListing> listed = cluster.ongoingOlderThan(olderThanMs);
        cluster.open("app-dead-1", 5, TIMEOUT_MS); // the instance restarted with its process id: a new producer id
        return listed;
      }

      @Override
      public Map<String, TransactionDescription> describe(Collection<String> ids) {
        return cluster.describe(ids);
      }

      @Override
      public Map<String, Exception> fence(Collection<String> ids) {
        return cluster.fence(ids);
      }
    };
    ExpiredTransactionFencer f = new ExpiredTransactionFencer(APP, Duration.ofMillis(TIMEOUT_MS), racing,
        () -> cluster.nowMs.get() * 1_000_000L);
    f.onChange(State.REBALANCING, State.RUNNING);
    cluster.advance(1_000);
    assertEquals(List.of(), f.sweepIfDue());
    assertEquals(List.of(), cluster.fenced);
  }

  @Test
  void expired_decision() {
    Map<String, Long> listed = Map.of("a-1", 1L, "a-2", 2L, "a-3", 3L, "a-4", 4L);
    Map<String, TransactionDescription> described = Map.of(
        "a-1", description(TransactionState.ONGOING, 1, 10_000),
        "a-2", description(TransactionState.PREPARE_COMMIT, 2, 10_000), // committing: not ours to abort
        "a-3", description(TransactionState.ONGOING, 3, 10_001)); // past 10 500 ms is not past its own 10 501
    assertEquals(List.of("a-1"), ExpiredTransactionFencer.expired(new TreeMap<>(listed), described, 10_500));
  }

  @Test
  void aBrokerWithoutTheDurationFilterTurnsItOff() {
    cluster.listFailure = new UnsupportedVersionException("ListTransactions v1");
    fencer.onChange(State.REBALANCING, State.RUNNING);
    cluster.advance(1_000);
    fencer.sweepIfDue();
    cluster.advance(1_000);
    fencer.sweepIfDue();
    fencer.onChange(State.REBALANCING, State.RUNNING);
    cluster.advance(1_000);
    fencer.sweepIfDue();
    assertEquals(1, cluster.listCalls.size());
  }

  @Test
  void aMissingAclTurnsItOffAndAPassingFailureDoesNot() {
    cluster.listFailure = new org.apache.kafka.common.errors.TimeoutException("broker busy");
    fencer.onChange(State.REBALANCING, State.RUNNING);
    cluster.advance(1_000);
    fencer.sweepIfDue();
    cluster.advance(1_000);
    fencer.sweepIfDue();
    assertEquals(2, cluster.listCalls.size(), "a timeout: the next sweep tries again");
    cluster.listFailure = new TransactionalIdAuthorizationException("no Describe on app-*");
    cluster.advance(1_000);
    fencer.sweepIfDue();
    cluster.advance(1_000);
    fencer.sweepIfDue();
    assertEquals(3, cluster.listCalls.size(), "a missing ACL: off");
  }

  @Test
  void timeout_notPositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ExpiredTransactionFencer(APP, Duration.ZERO, cluster, System::nanoTime));
    assertEquals("transaction timeout must be positive but was PT0S", e.getMessage());
  }

  private static TransactionDescription description(TransactionState state, long producerId, long timeoutMs) {
    return new TransactionDescription(1, state, producerId, 0, timeoutMs, OptionalLong.of(0), Set.of());
  }
}
