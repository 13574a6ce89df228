package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in a few lines when a server the running app needs (the broker, the schema registry) goes away and comes back:
 * one WARN when a probe first fails, a WARN reminder with the outage's length every {@link #REMINDER} while it lasts,
 * one INFO when the server answers again; {@link #outages} gives {@code /ready} the reason. The Kafka clients retry by
 * themselves and would otherwise say so on every reconnect attempt (566 {@code NetworkClient} WARN lines in 50 s of a
 * broker outage, issue 22); logback.xml keeps that logger at ERROR, so this is the one voice of an outage.
 *
 * <p>Each probe returns why its server cannot be used, or empty; it runs on this class's own thread every interval,
 * never on a stream thread. A server is unreachable after {@value #FAILED_PROBES} failed probes in a row, so that one
 * slow answer on a loaded machine is not an outage (nor a 503 of {@code /ready}). Time is injected.
 */
final class OutageWatch implements AutoCloseable {
  /** How often a continuing outage is logged again. */
  static final Duration REMINDER = Duration.ofSeconds(60);
  /** How often each server is probed. */
  static final Duration INTERVAL = Duration.ofSeconds(5);
  /** Failed probes in a row before a server counts as unreachable. */
  static final int FAILED_PROBES = 2;
  private static final Logger LOG = LoggerFactory.getLogger(OutageWatch.class);

  /** A line to log: a WARN or an INFO. */
  record Line(boolean warn, String text) {}

  private record Outage(long sinceNanos, long loggedNanos, String why) {}

  private final Map<String, Supplier<Optional<String>>> probes;
  private final LongSupplier nanoTime;
  private final Duration reminder;
  private final Map<String, Outage> down = new LinkedHashMap<>();
  /** Servers whose last probes failed but not yet {@link #FAILED_PROBES} times: first failure, failures. */
  private final Map<String, long[]> suspect = new LinkedHashMap<>();
  private final ScheduledExecutorService executor;

  /**
   * @param probes by the server's name as the log should say it (e.g. {@code "broker localhost:9092"}): why it cannot
   *     be used, or empty
   */
  OutageWatch(Map<String, Supplier<Optional<String>>> probes, LongSupplier nanoTime, Duration reminder) {
    this.probes = new LinkedHashMap<>(probes);
    this.nanoTime = nanoTime;
    this.reminder = reminder;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "anyup-outage-watch");
      t.setDaemon(true);
      return t;
    });
  }

  void start(Duration interval) {
    executor.scheduleWithFixedDelay(() -> check().forEach(l -> {
      if (l.warn()) {
        LOG.warn("{}", l.text());
      } else {
        LOG.info("{}", l.text());
      }
    }), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Probes every server once and returns the lines this round has to say (usually none). */
  List<Line> check() {
    List<Line> lines = new ArrayList<>();
    for (Map.Entry<String, Supplier<Optional<String>>> e : probes.entrySet()) {
      Optional<String> problem;
      try {
        problem = e.getValue().get();
      } catch (RuntimeException ex) {
        problem = Optional.of(AccessFailure.rootMessage(ex));
      }
      long now = nanoTime.getAsLong();
      String name = e.getKey();
      synchronized (this) {
        Outage o = down.get(name);
        if (problem.isEmpty()) {
          suspect.remove(name);
          if (o != null) {
            down.remove(name);
            lines.add(new Line(false, name + " reachable again after " + seconds(now - o.sinceNanos()) + " s"));
          }
        } else if (o == null) {
          long[] failing = suspect.computeIfAbsent(name, k -> new long[] {now, 0});
          if (++failing[1] < FAILED_PROBES) {
            continue;
          }
          suspect.remove(name);
          down.put(name, new Outage(failing[0], now, problem.get()));
          lines.add(new Line(true, name + " unreachable: " + problem.get() + "; the app keeps retrying and /ready "
              + "is 503 until it answers (this line again every " + reminder.toSeconds() + " s while it lasts)"));
        } else if (now - o.loggedNanos() >= reminder.toNanos()) {
          down.put(name, new Outage(o.sinceNanos(), now, problem.get()));
          lines.add(new Line(true, name + " still unreachable after " + seconds(now - o.sinceNanos()) + " s: "
              + problem.get()));
        } else {
          down.put(name, new Outage(o.sinceNanos(), o.loggedNanos(), problem.get()));
        }
      }
    }
    return lines;
  }

  /** The servers unreachable at the last probe, each with how long and why; empty when all answer. */
  synchronized Optional<String> outages() {
    if (down.isEmpty()) {
      return Optional.empty();
    }
    long now = nanoTime.getAsLong();
    return Optional.of(down.entrySet().stream().map(e -> e.getKey() + " unreachable for "
        + seconds(now - e.getValue().sinceNanos()) + " s: " + e.getValue().why()).collect(Collectors.joining("; ")));
  }

  private static long seconds(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(nanos);
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
}
