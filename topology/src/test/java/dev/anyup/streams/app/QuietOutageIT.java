package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.CommittedOutputReader.Output;
import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.serdes.local.LocalSchemaRegistry;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: a broker outage of a minute is a few lines in the app's log, not hundreds. The test owns its broker (as
 * {@link BrokerBounceIT} does: same data directory and ports across the restart) and registry; the app is a child
 * JVM ({@code Main run}) with its defaults and its own logback.xml (not the tests'). Inputs are sent every 500 ms
 * before and after the outage (the test's producer blocks while the broker is away), at least 20 after it, every
 * seventh a truncated PNG whose dead letter is logged at WARN by design: those lines, one per bad input, are counted
 * apart. Asserted: at most {@value #MAX_WARN_LINES} other WARN or ERROR lines in the app's whole output from the
 * broker's stop until it is ready again after the return, among them the app's own "unreachable" line; one INFO line
 * when it is back; {@code /ready} 503 naming the broker while it is down; and every input exactly once at the end.
 */
class QuietOutageIT {
  private static final int PARTITIONS = 3;
  private static final Duration OUTAGE = Duration.ofSeconds(60);
  /** The bound for a 60 s outage. */
  private static final int MAX_WARN_LINES = 5;
  private static final Pattern LEVEL = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\w+)\\s+\\[[^\\]]*\\] (\\S+)");

  @TempDir Path dir;

  @Test
  void aMinuteWithoutTheBrokerIsAFewLinesAndNothingLost() throws Exception {
    int brokerPort = ItSupport.freePort();
    int controllerPort = ItSupport.freePort();
    while (controllerPort == brokerPort) {
      controllerPort = ItSupport.freePort();
    }
    LocalKafkaCluster.Builder broker = LocalKafkaCluster.builder().optDataDir(dir.resolve("kafka-data"))
        .optPorts(brokerPort, controllerPort);
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(dir.resolve("registry"))) {
      LocalKafkaCluster kafka = broker.start();
      Process app = null;
      AtomicBoolean stop = new AtomicBoolean();
      try {
        String prefix = "quiet.";
        int httpPort = ItSupport.freePort();
        AppConfig cfg = AppConfig.fromMap(Map.of(
            "application.id", prefix + "app",
            "bootstrap.servers", kafka.bootstrapServers(),
            "schema.registry.url", registry.url(),
            "topics.input", prefix + "images",
            "topics.dense", prefix + "dense",
            "topics.embeddings", prefix + "embeddings",
            "topics.dlq", prefix + "dlq",
            "topics.partitions", Integer.toString(PARTITIONS),
            // the test's producer (not the app): hold inputs through the outage instead of giving up after 60 s
            "producer.max.block.ms", "300000",
            "producer.delivery.timeout.ms", "300000"));
        Path config = ItSupport.writeAppConfig(dir.resolve("app.yaml"), kafka.bootstrapServers(), registry.url(),
            prefix, PARTITIONS, httpPort, "output.dense.size", "28", "streams.num.stream.threads", "2");
        Path log = dir.resolve("app.log");
        app = ItSupport.startApp(config, log, List.of("-Xmx512m", ItSupport.productionLogging()), Map.of());
        Process running = app;
        ItSupport.awaitReady(running, httpPort, log);

        try (ItSupport.Client client = new ItSupport.Client(cfg);
            CommittedOutputReader reader = new CommittedOutputReader(cfg)) {
          InputFeeder feeder = new InputFeeder(client, PARTITIONS, 500, stop);
          feeder.start();
          await().atMost(Duration.ofSeconds(120)).until(() -> reader.count(s -> s.output() == Output.EMBEDDINGS) >= 4);
          int linesBefore = Files.readAllLines(log).size();
          kafka.close();
          long stopped = System.nanoTime();
          String readyWhileDown = null;
          int readyStatusWhileDown = 0;
          while (System.nanoTime() - stopped < OUTAGE.toNanos()) {
            Thread.sleep(1000); // the outage itself; /ready is sampled once a second meanwhile
            readyStatusWhileDown = ItSupport.readyStatus(httpPort);
            readyWhileDown = body(httpPort);
          }
          assertTrue(running.isAlive(), () -> "the app died while the broker was down: " + ItSupport.tail(log));
          kafka = broker.start();
          long serving = System.nanoTime();
          int sentBeforeRestart = feeder.sent();
          await().alias("committed output for an input sent after the restart").atMost(Duration.ofSeconds(180))
              .pollInterval(Duration.ofMillis(100))
              .until(() -> !running.isAlive() || reader.seen().stream().anyMatch(s -> s.output() == Output.EMBEDDINGS
                  && InputFeeder.index(s.imageId()) >= sentBeforeRestart));
          assertTrue(running.isAlive(), () -> "the app died after the broker came back: " + ItSupport.tail(log));
          ItSupport.awaitReady(running, httpPort, log);
          double backAfter = (System.nanoTime() - serving) / 1e9;
          // the INFO "reachable again" line may come a probe interval after the first output
          await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("reachable again"));
          List<String> during = Files.readAllLines(log);
          during = during.subList(linesBefore, during.size());
          Map<String, Integer> warnsByLogger = new TreeMap<>();
          List<String> warns = new ArrayList<>();
          int deadLetterLines = 0;
          for (String line : during) {
            Matcher m = LEVEL.matcher(line);
            if (!m.find() || !(m.group(1).equals("WARN") || m.group(1).equals("ERROR"))) {
              continue;
            }
            if (m.group(2).endsWith("DeadLetterRouter")) {
              deadLetterLines++;
            } else {
              warns.add(line);
              warnsByLogger.merge(m.group(1) + " " + m.group(2), 1, Integer::sum);
            }
          }
          System.out.println("QuietOutageIT: WARN/ERROR lines of the outage: " + warnsByLogger + "\n"
              + String.join("\n", warns));
          await().alias("20 inputs after the restart").atMost(Duration.ofSeconds(120))
              .until(() -> feeder.sent() >= sentBeforeRestart + 20);
          stop.set(true);
          feeder.join(30_000);
          client.flush();
          List<String> good = new ArrayList<>();
          List<String> bad = new ArrayList<>();
          List<String> refused = feeder.outcome(good, bad);
          assertEquals(List.of(), refused, "inputs the broker did not take");
          await().alias("all outputs committed").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
              .until(() -> reader.count(s -> s.output() == Output.EMBEDDINGS) >= good.size()
                  && reader.count(s -> s.output() == Output.DENSE) >= good.size()
                  && reader.count(s -> s.output() == Output.DEAD_LETTERS) >= bad.size());
          reader.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
          Map<String, String> wrong = reader.miscounted(good, bad);
          String text = String.format("QuietOutageIT: broker down %.0f s; %d log lines from the stop until ready "
              + "again (%.1f s after the restart), %d WARN/ERROR: %s (and %d dead-letter WARN lines, one per bad "
              + "input); /ready while down: %d %s; inputs %d (%d good, %d bad), lost or duplicated %d",
              OUTAGE.toSeconds() * 1.0, during.size(), backAfter, warns.size(), warnsByLogger, deadLetterLines,
              readyStatusWhileDown, readyWhileDown.strip(), good.size() + bad.size(), good.size(), bad.size(),
              wrong.size());
          System.out.println(text + "\n" + String.join("\n", warns));
          Path out = Path.of("target", "reliability");
          Files.createDirectories(out);
          Files.writeString(out.resolve("quiet-outage.txt"), text + "\n" + String.join("\n", warns) + "\n");

          assertEquals(Map.of(), wrong, "images whose committed records are not exactly one per output");
          assertTrue(warns.size() <= MAX_WARN_LINES, () -> warns.size() + " WARN/ERROR lines in a "
              + OUTAGE.toSeconds() + " s outage (at most " + MAX_WARN_LINES + "):\n" + String.join("\n", warns));
          assertTrue(warns.stream().anyMatch(l -> l.contains("broker") && l.contains("unreachable")),
              () -> "no WARN says the broker is unreachable:\n" + String.join("\n", warns));
          assertEquals(1, during.stream().filter(l -> l.contains(" INFO ") && l.contains("broker")
              && l.contains("reachable again")).count(), "one INFO line when the broker is back");
          assertEquals(503, readyStatusWhileDown, "/ready while the broker is down");
          assertTrue(readyWhileDown.contains("broker"), () -> "/ready says why: " + body(httpPort));
          running.destroy();
          assertTrue(running.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the app");
        }
      } finally {
        stop.set(true);
        if (app != null) {
          app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        kafka.close();
      }
    }
  }



  private static String body(int port) {
    try {
      return ItSupport.httpBody(port, "/ready");
    } catch (IOException e) {
      return "(" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}
