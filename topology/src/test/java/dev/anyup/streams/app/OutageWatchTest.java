package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OutageWatchTest {
  private final AtomicLong now = new AtomicLong();
  private final AtomicReference<Optional<String>> broker = new AtomicReference<>(Optional.empty());
  private final AtomicReference<Optional<String>> registry = new AtomicReference<>(Optional.empty());
  private final OutageWatch watch = new OutageWatch(probes(), now::get, Duration.ofSeconds(60));

  private Map<String, Supplier<Optional<String>>> probes() {
    Map<String, Supplier<Optional<String>>> m = new LinkedHashMap<>();
    m.put("broker b:9092", broker::get);
    m.put("schema registry http://r", registry::get);
    return m;
  }

  /** Runs the watch every 5 s from now for {@code seconds} and returns every line it said. */
  private List<OutageWatch.Line> runFor(int seconds) {
    List<OutageWatch.Line> lines = new java.util.ArrayList<>();
    for (int s = 0; s < seconds; s += 5) {
      lines.addAll(watch.check());
      now.addAndGet(Duration.ofSeconds(5).toNanos());
    }
    return lines;
  }

  @Test
  void saysNothingWhileEverythingAnswers() {
    assertEquals(List.of(), runFor(300));
    assertEquals(Optional.empty(), watch.outages());
  }

  @Test
  void aBrokerOutageOfAMinuteIsOneWarnOneReminderAndOneInfo() {
    runFor(10);
    broker.set(Optional.of("no answer to a cluster description within 5000 ms"));
    // probes at 10, 15, ..., 75 s: failing from the first, unreachable at the second, reminded 60 s later
    List<OutageWatch.Line> down = runFor(70);
    assertEquals(2, down.size(), () -> "one WARN when it goes, one reminder after 60 s: " + down);
    assertTrue(down.stream().allMatch(OutageWatch.Line::warn));
    assertTrue(down.get(0).text().startsWith("broker b:9092 unreachable: no answer"), down.get(0).text());
    assertTrue(down.get(1).text().startsWith("broker b:9092 still unreachable after 65 s"), down.get(1).text());
    assertTrue(watch.outages().orElseThrow().startsWith("broker b:9092 unreachable for 70 s: no answer"),
        watch.outages().orElseThrow());
    broker.set(Optional.empty());
    List<OutageWatch.Line> back = runFor(30);
    assertEquals(1, back.size(), back::toString);
    assertFalse(back.get(0).warn());
    assertEquals("broker b:9092 reachable again after 70 s", back.get(0).text());
    assertEquals(Optional.empty(), watch.outages());
  }

  @Test
  void oneFailedProbeBetweenGoodOnesIsNoOutage() {
    runFor(10);
    broker.set(Optional.of("no answer to a cluster description within 5000 ms"));
    assertEquals(List.of(), runFor(5));
    assertEquals(Optional.empty(), watch.outages(), "not yet unreachable: /ready stays as it was");
    broker.set(Optional.empty());
    assertEquals(List.of(), runFor(60));
    broker.set(Optional.of("again"));
    assertEquals(List.of(), runFor(5), "the count starts again after a good probe");
  }

  @Test
  void remindsOncePerIntervalHoweverLongItLasts() {
    registry.set(Optional.of("connection refused"));
    List<OutageWatch.Line> lines = runFor(600);
    assertEquals(10, lines.size(), lines::toString); // unreachable at 5 s, reminded at 65, 125, ..., 545 s
    assertTrue(lines.get(9).text().startsWith("schema registry http://r still unreachable after 545 s"),
        lines.get(9).text());
  }

  @Test
  void aProbeThatThrowsCountsAsAnOutageNamingTheError() {
    OutageWatch throwing = new OutageWatch(Map.of("broker b:9092", () -> {
      throw new IllegalStateException("admin client closed");
    }), now::get, Duration.ofSeconds(60));
    assertEquals(List.of(), throwing.check());
    List<OutageWatch.Line> lines = throwing.check();
    assertEquals(1, lines.size());
    assertTrue(lines.get(0).text().contains("admin client closed"), lines.get(0).text());
    assertTrue(throwing.outages().isPresent());
  }
}
