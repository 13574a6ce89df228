package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.access.AccessFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
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
 *
 * <p>An {@link AccessFailure} anywhere in the cause chain (a missing ACL on a topic, the group, the transactional ids
 * or the cluster; rejected credentials or TLS; an invalid client setting) never heals by retrying: a replaced thread
 * dies the same way, forever (issue 26 counted 24 deaths and 720 stack frames in 75 s). It is logged once, as one
 * ERROR line naming the principal, the resource, the operation and the ACL to add, without a stack trace; the client
 * is shut down, {@code /health} fails and {@code run} exits with {@link #ACCESS_EXIT_CODE}. Anything else is
 * transient or a record's failure, and the thread is replaced as before.
 */
final class StreamThreadWatch implements StreamsUncaughtExceptionHandler {
  /** Exit code of {@code run} after a fatal JVM error in a stream thread (EX_SOFTWARE). */
  static final int FATAL_EXIT_CODE = 70;
  /** Exit code of {@code run} after an authorization, authentication or client-configuration failure (EX_CONFIG). */
  static final int ACCESS_EXIT_CODE = 78;
  private static final Logger LOG = LoggerFactory.getLogger(StreamThreadWatch.class);

  private final LongSupplier nanoTime;
  private final long windowNanos;
  private final Counter replacements;
  private final Runnable onFatal;
  private final AccessContext access;
  private volatile Throwable fatal;
  private volatile AccessFailure accessFailure;
  private volatile long lastReplacementNanos;
  private volatile boolean replaced;

  /**
   * @param nanoTime a monotonic clock ({@code System::nanoTime}; tests inject their own)
   * @param onFatal called once a fatal JVM error has shut Kafka Streams down
   */
  StreamThreadWatch(MeterRegistry registry, Duration threadDeathWindow, LongSupplier nanoTime, Runnable onFatal) {
    this(registry, threadDeathWindow, nanoTime, onFatal,
        AccessContext.of(new Properties(), Set.of(), Set.of(), "<application.id>"));
  }

  /**
   * @param access what the app reads and writes, and as whom: names the ACL an authorization failure lacks
   */
  StreamThreadWatch(MeterRegistry registry, Duration threadDeathWindow, LongSupplier nanoTime, Runnable onFatal,
      AccessContext access) {
    this.access = access;
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
    Optional<AccessFailure> denied = AccessFailure.of(exception, access);
    if (denied.isPresent()) {
      synchronized (this) {
        if (accessFailure == null) {
          accessFailure = denied.get();
          LOG.error("{}; retrying cannot fix this: shutting Kafka Streams down, the process exits with code {}",
              accessFailure.message(), ACCESS_EXIT_CODE);
          onFatal.run();
        }
      }
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

  /** The authorization, authentication or configuration failure that shut Kafka Streams down, or null. */
  AccessFailure accessFailure() {
    return accessFailure;
  }

  /** Why Kafka Streams was shut down for good (a fatal JVM error or an access failure), or null while it was not. */
  String stoppedBecause() {
    if (fatal != null) {
      return "a fatal JVM error shut Kafka Streams down: " + fatal;
    }
    AccessFailure a = accessFailure;
    return a == null ? null : a.message();
  }

  /** The exit code for {@code run} now: 0, {@link #FATAL_EXIT_CODE} or {@link #ACCESS_EXIT_CODE}. */
  int exitCode() {
    return fatal != null ? FATAL_EXIT_CODE : accessFailure != null ? ACCESS_EXIT_CODE : 0;
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
