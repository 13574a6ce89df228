package dev.anyup.streams.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream threads' uncaught-exception handler, and what readiness learns from it.
 *
 * <p>An exception that kills a stream thread replaces the thread and is counted
 * ({@code anyup.stream.thread.replacements}); for {@code threadDeathWindow} after the last replacement the instance
 * is not ready, because a replaced thread re-reads the record that killed its predecessor: a thread dying in a loop
 * does no work while Kafka Streams stays RUNNING, and {@code /ready} must not answer 200 then.
 *
 * <p>A {@link VirtualMachineError} ({@link OutOfMemoryError}, {@link StackOverflowError}, ...) anywhere in the cause
 * chain is never a record's failure: it says nothing reliable about the record being processed (another thread may
 * have used the memory) and the JVM may not be usable after it. The Kafka Streams client is shut down
 * ({@code SHUTDOWN_CLIENT}, nothing more is committed, so the record is processed again by the next instance), the
 * {@code onFatal} callback runs, and {@code run} exits with {@link #FATAL_EXIT_CODE} so the orchestrator restarts the
 * process. Bounded decoding keeps any single record from causing one.
 */
final class StreamThreadWatch implements StreamsUncaughtExceptionHandler {
  /** Exit code of {@code run} after a fatal JVM error in a stream thread (EX_SOFTWARE). */
  static final int FATAL_EXIT_CODE = 70;
  private static final Logger LOG = LoggerFactory.getLogger(StreamThreadWatch.class);

  private final LongSupplier nanoTime;
  private final long windowNanos;
  private final Counter replacements;
  private final Runnable onFatal;
  private volatile Throwable fatal;
  private volatile long lastReplacementNanos;
  private volatile boolean replaced;

  /**
   * @param nanoTime a monotonic clock ({@code System::nanoTime}; tests inject their own)
   * @param onFatal called once a fatal JVM error has shut Kafka Streams down
   */
  StreamThreadWatch(MeterRegistry registry, Duration threadDeathWindow, LongSupplier nanoTime, Runnable onFatal) {
    this.nanoTime = nanoTime;
    this.onFatal = onFatal;
    this.windowNanos = threadDeathWindow.toNanos();
    this.replacements = Counter.builder("anyup.stream.thread.replacements")
        .description("stream threads that died of an exception and were replaced").register(registry);
  }

  @Override
  public StreamThreadExceptionResponse handle(Throwable exception) {
    Throwable vmError = vmError(exception);
    if (vmError != null) {
      fatal = vmError;
      LOG.error("fatal JVM error in a stream thread ({}): not a record failure; shutting Kafka Streams down, the "
          + "process exits with code {} for the orchestrator to restart it", vmError, FATAL_EXIT_CODE, exception);
      onFatal.run();
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    lastReplacementNanos = nanoTime.getAsLong();
    replaced = true;
    replacements.increment();
    LOG.error("stream thread died ({} replacement(s) so far); replacing it; /ready answers 503 for {} ms",
        (long) replacements.count(), Duration.ofNanos(windowNanos).toMillis(), exception);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** Whether a stream thread was replaced within the window (a thread may be dying in a loop). */
  boolean recentlyReplaced() {
    return replaced && nanoTime.getAsLong() - lastReplacementNanos < windowNanos;
  }

  /** Stream threads replaced so far. */
  long replacements() {
    return (long) replacements.count();
  }

  /** The fatal error that shut Kafka Streams down, or null. */
  Throwable fatal() {
    return fatal;
  }

  private static Throwable vmError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof VirtualMachineError) {
        return t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
