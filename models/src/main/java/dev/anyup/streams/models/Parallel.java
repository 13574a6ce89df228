package dev.anyup.streams.models;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs {@code n} independent tasks on up to {@code threads} threads, the caller being one of them: the built-in
 * upsamplers' way to use several cores for one image. Helpers are daemon threads of one shared cached pool, so an
 * idle process holds none for long.
 */
final class Parallel {

  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "anyup-upsampler-worker");
    t.setDaemon(true);
    return t;
  });

  private Parallel() {}

  static void run(int threads, int n, IntConsumer task) {
    AtomicInteger next = new AtomicInteger();
    Runnable loop = () -> {
      for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
        task.accept(i);
      }
    };
    int helpers = Math.min(threads, n) - 1;
    Future<?>[] running = new Future<?>[Math.max(helpers, 0)];
    for (int i = 0; i < running.length; i++) {
      running[i] = POOL.submit(loop);
    }
    RuntimeException failure = null;
    try {
      loop.run();
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (failure == null) {
          failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while upsampling", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
