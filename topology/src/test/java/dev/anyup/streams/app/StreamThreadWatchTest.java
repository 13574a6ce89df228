package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadWatchTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger fatalCalls = new AtomicInteger();
  private final StreamThreadWatch watch = new StreamThreadWatch(registry, Duration.ofSeconds(120), now::get,
      fatalCalls::incrementAndGet);

  @Test
  void aThreadDyingInALoopIsReplacedCountedAndKeepsTheInstanceUnreadyUntilTheWindowPasses() {
    assertFalse(watch.recentlyReplaced());
    for (int i = 0; i < 3; i++) {
      assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
          watch.handle(new StreamsException(new IllegalStateException("poison record"))));
      now.addAndGet(Duration.ofSeconds(45).toNanos()); // the loop period seen in issue 10
      assertTrue(watch.recentlyReplaced(), "still unready " + (i + 1) + " deaths in");
    }
    assertEquals(3, watch.replacements());
    assertTrue(registry.scrape().contains("anyup_stream_thread_replacements_total 3.0"), registry.scrape());
    now.addAndGet(Duration.ofSeconds(76).toNanos());
    assertFalse(watch.recentlyReplaced(), "ready again once no thread died for the whole window");
    assertEquals(0, fatalCalls.get());
    assertNull(watch.fatal());
  }

  @Test
  void anOutOfMemoryErrorShutsTheClientDownAsFatalAndIsNotARecordFailure() {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new StreamsException(oom)));
    assertSame(oom, watch.fatal());
    assertEquals(1, fatalCalls.get());
    assertEquals(0, watch.replacements(), "not counted as a thread replacement");
  }

  @Test
  void everyVirtualMachineErrorIsFatal() {
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new StackOverflowError()));
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new InternalError("jvm")));
  }

  @Test
  void otherErrorsReplaceTheThread() {
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, watch.handle(new LinkageError("bad class")));
    assertNull(watch.fatal());
  }
}
