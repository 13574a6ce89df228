package dev.anyup.streams.topology;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class InferenceBatcherTest {
  private final List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());

  private Function<List<Integer>, List<String>> recording(Function<Integer, String> f) {
    return items -> {
      calls.add(List.copyOf(items));
      return items.stream().map(f).toList();
    };
  }

  @Test
  void gathersConcurrentRequestsIntoOneBatchUpToMaxSize() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Function<List<Integer>, List<String>> model = items -> {
      calls.add(List.copyOf(items));
      try {
        gate.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return items.stream().map(i -> "r" + i).toList();
    };
    try (var batcher = new InferenceBatcher<>(model, 4, Duration.ofMillis(200), 1, System::nanoTime,
        InferenceBatcher.Listener.NONE)) {
      // the first call blocks the only worker, so the next ones queue up and are gathered together
      var first = batcher.submit(0);
      await().until(() -> calls.size() == 1);
      List<CompletableFuture<String>> rest = new ArrayList<>();
      for (int i = 1; i <= 6; i++) {
        rest.add(batcher.submit(i));
      }
      gate.countDown();
      assertEquals("r0", first.get(5, TimeUnit.SECONDS));
      for (int i = 0; i < rest.size(); i++) {
        assertEquals("r" + (i + 1), rest.get(i).get(5, TimeUnit.SECONDS));
      }
      assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6)), calls);
    }
  }

  @Test
  void leavesQueuedItemsToIdleWorkersInsteadOfBatchingThem() throws Exception {
    // two workers, room for batches of 8: two images queued together run as two calls side by side (one per core on
    // a CPU), not as one call of two on one core while the other worker waits
    CountDownLatch bothRunning = new CountDownLatch(2);
    Function<List<Integer>, List<String>> model = items -> {
      calls.add(List.copyOf(items));
      bothRunning.countDown();
      try {
        bothRunning.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return items.stream().map(i -> "r" + i).toList();
    };
    try (var batcher = new InferenceBatcher<>(model, 8, Duration.ZERO, 2, System::nanoTime,
        InferenceBatcher.Listener.NONE)) {
      await().until(() -> batcher.idleWorkers() == 2);
      var a = batcher.submit(1);
      var b = batcher.submit(2);
      assertEquals("r1", a.get(5, TimeUnit.SECONDS));
      assertEquals("r2", b.get(5, TimeUnit.SECONDS));
      assertEquals(0, bothRunning.getCount(), "the two calls ran at the same time");
      assertEquals(List.of(1, 1), calls.stream().map(List::size).toList());
    }
  }

  @Test
  void flushesAPartialBatchWhenTheMaxWaitExpires() throws Exception {
    try (var batcher = new InferenceBatcher<>(recording(i -> "r" + i), 8, Duration.ofMillis(30), 1,
        System::nanoTime, InferenceBatcher.Listener.NONE)) {
      assertEquals("r7", batcher.submit(7).get(5, TimeUnit.SECONDS));
      assertEquals(List.of(List.of(7)), calls);
    }
  }

  @Test
  void doesNotWaitForCompanyWhenTheTickerSaysTheDeadlineHasPassed() throws Exception {
    AtomicLong now = new AtomicLong();
    // the ticker jumps an hour on every read: any deadline is already over when the worker looks
    try (var batcher = new InferenceBatcher<>(recording(i -> "r" + i), 8, Duration.ofMinutes(10), 1,
        () -> now.addAndGet(TimeUnit.HOURS.toNanos(1)), InferenceBatcher.Listener.NONE)) {
      assertEquals("r1", batcher.submit(1).get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void retriesItemsOneByOneWhenABatchFailsSoOnlyThePoisonedItemFails() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Function<List<Integer>, List<String>> model = items -> {
      calls.add(List.copyOf(items));
      if (items.contains(0)) {
        try {
          gate.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (items.contains(13)) {
        throw new IllegalStateException("model failed on a batch containing 13");
      }
      return items.stream().map(i -> "r" + i).toList();
    };
    try (var batcher = new InferenceBatcher<>(model, 3, Duration.ofMillis(200), 1, System::nanoTime,
        InferenceBatcher.Listener.NONE)) {
      var blocker = batcher.submit(0);
      await().until(() -> calls.size() == 1);
      var a = batcher.submit(12);
      var bad = batcher.submit(13);
      var b = batcher.submit(14);
      gate.countDown();
      blocker.get(5, TimeUnit.SECONDS);
      assertEquals("r12", a.get(5, TimeUnit.SECONDS));
      assertEquals("r14", b.get(5, TimeUnit.SECONDS));
      ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
      assertInstanceOf(IllegalStateException.class, e.getCause());
      assertEquals(List.of(List.of(0), List.of(12, 13, 14), List.of(12), List.of(13), List.of(14)), calls);
    }
  }

  @Test
  void reportsEveryModelCallToTheListener() throws Exception {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    try (var batcher = new InferenceBatcher<>(recording(i -> "r" + i), 8, Duration.ZERO, 1, System::nanoTime,
        (size, nanos, failed) -> sizes.add(size))) {
      batcher.submit(1).get(5, TimeUnit.SECONDS);
    }
    assertEquals(List.of(1), sizes);
  }

  @Test
  void closeFinishesQueuedWorkAndRejectsNewSubmissions() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Function<List<Integer>, List<String>> model = items -> {
      calls.add(List.copyOf(items));
      try {
        gate.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return items.stream().map(i -> "r" + i).toList();
    };
    var batcher = new InferenceBatcher<>(model, 2, Duration.ofMillis(1), 1, System::nanoTime,
        InferenceBatcher.Listener.NONE);
    var inFlight = batcher.submit(1);
    await().until(() -> calls.size() == 1);
    var queued = batcher.submit(2);
    var closer = CompletableFuture.supplyAsync(() -> batcher.close(Duration.ofSeconds(10)));
    await().untilAsserted(() -> assertThrows(RejectedExecutionException.class, () -> batcher.submit(3)));
    gate.countDown();
    assertTrue(closer.get(10, TimeUnit.SECONDS), "workers stopped within the timeout");
    assertEquals("r1", inFlight.get());
    assertEquals("r2", queued.get());
  }

  @Test
  void rejectsNonPositiveMaxBatchSize() {
    var e = assertThrows(IllegalArgumentException.class, () -> new InferenceBatcher<Integer, String>(
        recording(i -> ""), 0, Duration.ZERO, 1, System::nanoTime, InferenceBatcher.Listener.NONE));
    assertTrue(e.getMessage().contains("max batch size must be positive but was 0"), e.getMessage());
  }

  @Test
  void failsAnItemWhenTheModelReturnsTheWrongNumberOfResults() {
    try (var batcher = new InferenceBatcher<Integer, String>(items -> List.of(), 1, Duration.ZERO, 1,
        System::nanoTime, InferenceBatcher.Listener.NONE)) {
      var e = assertThrows(ExecutionException.class, () -> batcher.submit(1).get(5, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("model returned 0 results for a batch of 1"));
    }
  }
}
