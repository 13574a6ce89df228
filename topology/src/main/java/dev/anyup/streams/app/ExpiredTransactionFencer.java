package dev.anyup.streams.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTransactionsOptions;
import org.apache.kafka.clients.admin.FenceProducersOptions;
import org.apache.kafka.clients.admin.FenceProducersResult;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts a dead instance's open transaction as soon as it is past its {@code transaction.timeout.ms}, instead of when
 * the broker next looks: the broker checks for timed-out transactions every
 * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} (10 s by default, a setting users of managed
 * clusters cannot change), so after a SIGKILL the new owner of the dead instance's tasks (its offset fetch waits for
 * the dead transaction's offsets) and every {@code read_committed} reader of the partitions it wrote to waited the
 * timeout plus up to 10 s more. The fencer makes that wait the timeout plus about a second.
 *
 * <p><b>When it looks.</b> Only after this instance's Kafka Streams client enters REBALANCING (a member died, left or
 * joined; also at startup, for the transactions of a whole deployment killed before), for {@link #window} from then:
 * one sweep every {@link #INTERVAL}. A member dies before the rebalance that notices it, so its transaction is due
 * within the transaction timeout of the rebalance's start; outside the windows it makes no call at all.
 *
 * <p><b>What it aborts.</b> A sweep asks the brokers (ListTransactions, KIP-664/KIP-994) for the ONGOING transactions
 * open longer than this app's own transaction timeout plus {@link #MARGIN}, keeps those whose transactional id starts
 * with {@code <application.id>-} (Kafka Streams' exactly-once ids are {@code <application.id>-<process id>-<thread>}),
 * describes them, and keeps the ones that are still ONGOING under the same producer id and whose own
 * {@code transaction.timeout.ms} plus the margin is within the age the broker vouched for. Those it fences with
 * {@link Admin#fenceProducers} (KIP-618, the call Kafka Connect uses for its zombie tasks): an InitProducerId for the
 * transactional id, on which the coordinator aborts the open transaction and bumps the producer epoch, exactly what
 * its own timeout check would do a little later. The call returns once the abort is complete. Ages are measured by
 * the broker's own clock (the listing's duration filter), so the app's clock and any skew to it play no part.
 *
 * <p><b>Why exactly-once holds.</b> An abort never makes a record visible or commits an offset; the aborted
 * transaction's input offsets stay uncommitted, so the new owner processes those inputs again, exactly as after the
 * broker's own abort. A transaction under its timeout is never touched: the broker vouches for its age. A live
 * producer whose transaction is past its timeout is already forfeit (the broker aborts it and fences the producer at
 * its next check); fencing it sooner costs that producer's thread a task migration, not correctness. The one race:
 * such a producer commits between the describe and the fence and the fence then ends its next transaction instead;
 * again an abort and a migration, never a duplicate or a loss.
 *
 * <p>Load on the cluster: per rebalance at most {@code window / INTERVAL} ListTransactions calls (one request per
 * broker each), plus a DescribeTransactions and a fence per expired transaction found. Failures of a sweep are logged
 * at DEBUG and the next sweep tries again (the broker's own check still runs); a broker without the duration filter
 * (before Kafka 3.8) or missing ACLs turn the fencer off with one WARN. Time is injected.
 */
final class ExpiredTransactionFencer implements KafkaStreams.StateListener, AutoCloseable {
  /** How often a window sweeps. */
  static final Duration INTERVAL = Duration.ofSeconds(1);
  /** Beyond a transaction's own timeout before it is aborted: clock steps between brokers, the listing's rounding. */
  static final Duration MARGIN = Duration.ofMillis(500);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(ExpiredTransactionFencer.class);

  /** The cluster calls a sweep makes (an {@link Admin} in production, a stand-in in unit tests). */
  interface Transactions {
    /** The ONGOING transactions the brokers say are open longer than {@code olderThanMs}. */
    Collection<TransactionListing> ongoingOlderThan(long olderThanMs) throws Exception;

    /** What the coordinators say about these ids now; an id it cannot describe (finished, moved) is left out. */
    Map<String, TransactionDescription> describe(Collection<String> transactionalIds) throws Exception;

    /** Fences each id (aborting its open transaction); returns the failures by id. */
    Map<String, Exception> fence(Collection<String> transactionalIds) throws Exception;
  }

  private final String prefix;
  private final long listOlderThanMs;
  private final long windowNanos;
  private final Transactions transactions;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService executor;
  private final Object lock = new Object();
  private long windowEndNanos;
  private boolean windowOpen;
  private boolean off;
  private int sweepsInWindow;
  private final List<String> fencedInWindow = new ArrayList<>();
  private long sweeps;
  private long fenced;

  /**
   * @param applicationId the Kafka Streams application id: only transactional ids {@code <applicationId>-...} are
   *     looked at
   * @param transactionTimeout this app's producers' {@code transaction.timeout.ms}: the sweeps list transactions older
   *     than it plus {@link #MARGIN}, and a rebalance opens a window of it plus the margin plus two intervals
   */
  ExpiredTransactionFencer(String applicationId, Duration transactionTimeout, Transactions transactions,
      LongSupplier nanoTime) {
    if (applicationId == null || applicationId.isBlank()) {
      throw new IllegalArgumentException("application id must not be blank but was '" + applicationId + "'");
    }
    if (transactionTimeout == null || transactionTimeout.isNegative() || transactionTimeout.isZero()) {
      throw new IllegalArgumentException("transaction timeout must be positive but was " + transactionTimeout);
    }
    this.prefix = applicationId + "-";
    this.listOlderThanMs = transactionTimeout.plus(MARGIN).toMillis();
    this.windowNanos = transactionTimeout.plus(MARGIN).plus(INTERVAL.multipliedBy(2)).toNanos();
    this.transactions = transactions;
    this.nanoTime = nanoTime;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "anyup-transaction-fencer");
      t.setDaemon(true);
      return t;
    });
  }

  /** The production fencer: the app's admin client, {@link System#nanoTime}. */
  static ExpiredTransactionFencer of(String applicationId, Duration transactionTimeout, Admin admin) {
    return new ExpiredTransactionFencer(applicationId, transactionTimeout, adminTransactions(admin),
        System::nanoTime);
  }

  /** How long after a rebalance the sweeps go on. */
  Duration window() {
    return Duration.ofNanos(windowNanos);
  }

  /** Sweeps every {@link #INTERVAL} while a window is open. */
  void start() {
    executor.scheduleWithFixedDelay(() -> {
      try {
        sweepIfDue();
      } catch (RuntimeException e) {
        LOG.warn("transaction fencer: sweep failed: {}", e.toString());
      }
    }, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A rebalance (or the start) opens or extends the window. */
  @Override
  public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    if (newState == KafkaStreams.State.REBALANCING) {
      synchronized (lock) {
        windowEndNanos = nanoTime.getAsLong() + windowNanos;
        windowOpen = true;
      }
    }
  }

  /**
   * One sweep if a window is open (closing it, with one INFO line of what it did, once it has passed); returns the ids
   * it fenced.
   */
  List<String> sweepIfDue() {
    synchronized (lock) {
      if (off || !windowOpen) {
        return List.of();
      }
      if (nanoTime.getAsLong() - windowEndNanos >= 0) {
        windowOpen = false;
        LOG.info("transaction fencer: {} sweeps after the rebalance, fenced {}", sweepsInWindow,
            fencedInWindow.isEmpty() ? "none" : fencedInWindow);
        sweepsInWindow = 0;
        fencedInWindow.clear();
        return List.of();
      }
      sweepsInWindow++;
      sweeps++;
    }
    try {
      List<String> done = sweep();
      synchronized (lock) {
        fencedInWindow.addAll(done);
        fenced += done.size();
      }
      return done;
    } catch (UnsupportedVersionException | AuthorizationException e) {
      synchronized (lock) {
        off = true;
      }
      LOG.warn("transaction fencer off: {} (a dead instance's transaction is then aborted by the broker's own "
          + "timeout check; failover.fence.expired.transactions=false silences this)", e.toString());
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } catch (Exception e) {
      LOG.debug("transaction fencer: sweep failed, the next one tries again: {}", e.toString());
      return List.of();
    }
  }

  private List<String> sweep() throws Exception {
    Map<String, Long> listed = new TreeMap<>();
    for (TransactionListing l : transactions.ongoingOlderThan(listOlderThanMs)) {
      if (l.transactionalId().startsWith(prefix) && l.state() == TransactionState.ONGOING) {
        listed.put(l.transactionalId(), l.producerId());
      }
    }
    if (listed.isEmpty()) {
      return List.of();
    }
    List<String> expired = expired(listed, transactions.describe(listed.keySet()), listOlderThanMs);
    if (expired.isEmpty()) {
      return List.of();
    }
    Map<String, Exception> failures = transactions.fence(expired);
    List<String> done = new ArrayList<>();
    for (String id : expired) {
      Exception failure = failures.get(id);
      if (failure == null) {
        done.add(id);
        LOG.info("transaction fencer: aborted the transaction of {} (producer id {}), open longer than its timeout",
            id, listed.get(id));
      } else if (failure instanceof AuthorizationException a) {
        throw a;
      } else {
        LOG.debug("transaction fencer: could not fence {}: {}", id, failure.toString());
      }
    }
    return done;
  }

  /**
   * The decision: of the transactions a listing said were ONGOING and open longer than {@code listedOlderThanMs}
   * (transactional id to producer id), those that the coordinator still describes as ONGOING under the same producer
   * id and whose own timeout plus {@link #MARGIN} is at most that age. A different producer id means a new producer
   * took the id over since the listing; a longer own timeout means the transaction may still be within it.
   */
  static List<String> expired(Map<String, Long> listed, Map<String, TransactionDescription> described,
      long listedOlderThanMs) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : listed.entrySet()) {
      TransactionDescription d = described.get(e.getKey());
      if (d != null && d.state() == TransactionState.ONGOING && d.producerId() == e.getValue()
          && d.transactionTimeoutMs() + MARGIN.toMillis() <= listedOlderThanMs) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** Sweeps so far, and transactions fenced so far (for tests and the log). */
  long sweeps() {
    synchronized (lock) {
      return sweeps;
    }
  }

  long fenced() {
    synchronized (lock) {
      return fenced;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The three calls through an admin client, each bounded by {@link #CALL_TIMEOUT}. */
  static Transactions adminTransactions(Admin admin) {
    int timeoutMs = (int) CALL_TIMEOUT.toMillis();
    return new Transactions() {
      @Override
      public Collection<TransactionListing> ongoingOlderThan(long olderThanMs) throws Exception {
        return get(admin.listTransactions(new ListTransactionsOptions()
            .filterStates(List.of(TransactionState.ONGOING)).filterOnDuration(olderThanMs).timeoutMs(timeoutMs))
            .all());
      }

      @Override
      public Map<String, TransactionDescription> describe(Collection<String> ids) throws Exception {
        var result = admin.describeTransactions(ids, new DescribeTransactionsOptions().timeoutMs(timeoutMs));
        Map<String, TransactionDescription> out = new TreeMap<>();
        for (String id : ids) {
          try {
            out.put(id, get(result.description(id)));
          } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException a) {
              throw a;
            }
            LOG.debug("transaction fencer: cannot describe {}: {}", id, e.getCause().toString());
          }
        }
        return out;
      }

      @Override
      public Map<String, Exception> fence(Collection<String> ids) throws Exception {
        FenceProducersResult result = admin.fenceProducers(ids, new FenceProducersOptions().timeoutMs(timeoutMs));
        Map<String, Exception> failures = new TreeMap<>();
        for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : result.fencedProducers().entrySet()) {
          try {
            get(e.getValue());
          } catch (ExecutionException ex) {
            failures.put(e.getKey(), ex.getCause() instanceof Exception c ? c : ex);
          }
        }
        return failures;
      }

      private <T> T get(org.apache.kafka.common.KafkaFuture<T> f)
          throws ExecutionException, InterruptedException, TimeoutException {
        try {
          return f.get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof UnsupportedVersionException u) {
            throw u;
          }
          if (e.getCause() instanceof AuthorizationException a) {
            throw a;
          }
          throw e;
        }
      }
    };
  }
}
