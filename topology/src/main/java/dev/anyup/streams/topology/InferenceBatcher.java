package dev.anyup.streams.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A Triton-style dynamic batcher shared by all stream threads: {@link #submit} enqueues one item and returns a future;
 * worker threads take up to {@code maxBatchSize} queued items, waiting at most {@code maxQueueDelay} after the oldest
 * one arrived for more to join, and run them through the model in one call.
 *
 * <p><b>Why a synchronous call per record (DESIGN.md option a).</b> Kafka Streams has no flush-before-commit hook: a
 * batch held in a processor field is invisible to the commit, so the input offsets of buffered records can commit
 * (exactly-once transaction included) before their outputs exist, and a crash or rebalance then loses them. Here each
 * stream thread blocks in {@code process()} on its own record's future, so every output is forwarded — and becomes part
 * of the same transaction as the input offset — before {@code process()} returns. Batches still form because several
 * stream threads (and the workers' queue) feed one batcher: the batch size is bounded by the number of concurrent
 * callers, i.e. {@code num.stream.threads}.
 *
 * <p>Work sharing: a worker never takes into its batch an item that another, idle worker could start on now. With
 * several workers on a CPU (one single-threaded call per core, the app's automatic budget) two calls of one image run
 * side by side instead of one call of two images on one core while the other core waits; with one worker (a GPU) this
 * changes nothing.
 *
 * <p>Failure isolation: when a batch fails, each item is retried alone, so one poisonous image fails only its own
 * future. {@link #close()} stops intake and lets the workers finish everything already queued. Time comes from an
 * injected {@code ticker} (nanoseconds) so tests control it.
 *
 * @param <I> model input
 * @param <O> model output
 */
public final class InferenceBatcher<I, O> implements AutoCloseable {

  /** Observes batches (metrics). */
  public interface Listener {
    /** A model call over {@code size} items took {@code nanos}; {@code failed} when it threw. */
    void onBatch(int size, long nanos, boolean failed);

    Listener NONE = (size, nanos, failed) -> { };
  }

  private record Pending<I, O>(I item, CompletableFuture<O> result, long enqueuedNanos) {}

  private final Function<List<I>, List<O>> model;
  private final int maxBatchSize;
  private final long maxQueueDelayNanos;
  private final LongSupplier ticker;
  private final Listener listener;
  private final LinkedBlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
  private final List<Thread> workers = new ArrayList<>();
  /** Workers waiting for an item (not holding one). */
  private final AtomicInteger idle = new AtomicInteger();
  private volatile boolean closed;

  /**
   * @param model runs a batch, results in input order (e.g. {@code FeatureExtractor::run})
   * @param maxBatchSize most items per model call
   * @param maxQueueDelay longest the oldest queued item waits for company before its batch runs
   * @param workers threads calling the model concurrently
   * @param ticker monotonic nanoseconds (e.g. {@code System::nanoTime})
   */
  public InferenceBatcher(Function<List<I>, List<O>> model, int maxBatchSize, Duration maxQueueDelay, int workers,
      LongSupplier ticker, Listener listener) {
    this.model = Objects.requireNonNull(model, "model");
    if (maxBatchSize <= 0) {
      throw new IllegalArgumentException("max batch size must be positive but was " + maxBatchSize);
    }
    if (maxQueueDelay == null || maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("max queue delay must not be negative but was " + maxQueueDelay);
    }
    if (workers <= 0) {
      throw new IllegalArgumentException("worker count must be positive but was " + workers);
    }
    this.maxBatchSize = maxBatchSize;
    this.maxQueueDelayNanos = maxQueueDelay.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.listener = Objects.requireNonNull(listener, "listener");
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(this::work, "anyup-batcher-" + i);
      t.setDaemon(true);
      this.workers.add(t);
      t.start();
    }
  }

  /**
   * Queues {@code item}; the future completes with its result or exceptionally with the model's exception.
   *
   * @throws RejectedExecutionException after {@link #close()}
   */
  public CompletableFuture<O> submit(I item) {
    Objects.requireNonNull(item, "item");
    CompletableFuture<O> f = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        throw new RejectedExecutionException("inference batcher is closed");
      }
      queue.add(new Pending<>(item, f, ticker.getAsLong()));
    }
    return f;
  }

  /** Workers waiting for an item. */
  int idleWorkers() {
    return idle.get();
  }

  /** Items waiting for a worker. */
  public int queued() {
    return queue.size();
  }

  private void work() {
    List<Pending<I, O>> batch = new ArrayList<>(maxBatchSize);
    while (true) {
      batch.clear();
      Pending<I, O> first;
      idle.incrementAndGet();
      try {
        first = queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failRemaining(e);
        return;
      } finally {
        idle.decrementAndGet();
      }
      if (first == null) {
        if (closed && queue.isEmpty()) {
          return;
        }
        continue;
      }
      batch.add(first);
      long deadline = first.enqueuedNanos() + maxQueueDelayNanos;
      try {
        while (batch.size() < maxBatchSize) {
          int waiting = idle.get();
          if (waiting > 0 && queue.size() <= waiting) {
            break; // what is queued goes to the idle workers, each of which can start on it now
          }
          Pending<I, O> next = queue.poll();
          if (next == null) {
            long remaining = deadline - ticker.getAsLong();
            if (remaining <= 0 || closed) {
              break;
            }
            next = queue.poll(remaining, TimeUnit.NANOSECONDS);
            if (next == null) {
              break;
            }
          }
          batch.add(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        batch.forEach(p -> p.result().completeExceptionally(e));
        failRemaining(e);
        return;
      }
      runBatch(batch);
    }
  }

  private void runBatch(List<Pending<I, O>> batch) {
    try {
      List<O> out = call(batch.stream().map(Pending::item).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result().complete(out.get(i));
      }
    } catch (RuntimeException | Error batchFailure) {
      if (batch.size() == 1) {
        batch.get(0).result().completeExceptionally(batchFailure);
        return;
      }
      // isolate the failing item(s): everything else still gets a result
      for (Pending<I, O> p : batch) {
        try {
          p.result().complete(call(List.of(p.item())).get(0));
        } catch (RuntimeException | Error itemFailure) {
          p.result().completeExceptionally(itemFailure);
        }
      }
    }
  }

  private List<O> call(List<I> items) {
    long start = ticker.getAsLong();
    boolean failed = true;
    try {
      List<O> out = model.apply(items);
      if (out == null || out.size() != items.size()) {
        throw new IllegalStateException("model returned " + (out == null ? "null" : out.size() + " results")
            + " for a batch of " + items.size());
      }
      failed = false;
      return out;
    } finally {
      listener.onBatch(items.size(), ticker.getAsLong() - start, failed);
    }
  }

  private void failRemaining(Throwable cause) {
    Pending<I, O> p;
    while ((p = queue.poll()) != null) {
      p.result().completeExceptionally(cause);
    }
  }

  /** Stops intake, lets the workers finish every queued item, and waits for them (at most {@code timeout}). */
  public boolean close(Duration timeout) {
    synchronized (this) {
      closed = true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean all = true;
    for (Thread t : workers) {
      try {
        long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        t.join(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        all = false;
        break;
      }
      all &= !t.isAlive();
    }
    if (!all) {
      failRemaining(new RejectedExecutionException("inference batcher closed before this item ran"));
    }
    return all;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(60));
  }
}
