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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: the broker goes away mid-run and comes back, and the app recovers by itself. The test owns its broker
 * ({@link LocalKafkaCluster} in this JVM on a data directory and fixed ports) and registry (Apicurio, which stays up);
 * the app runs as a child JVM ({@code Main run}) with its default settings. While images are fed at a steady rate
 * (every seventh a truncated PNG, which must become a dead letter), the broker is shut down twice and started again
 * on the same log directory and the same ports. The app is never restarted. Asserted: it stays alive, commits output
 * for inputs sent after each restart, is ready again, and at the end a {@code read_committed} reader sees every good
 * input exactly once on the dense and the embeddings topic and every bad one exactly once in the dead letters: nothing
 * lost, nothing duplicated. How long each bounce cost is printed and written to
 * {@code target/reliability/broker-bounce.txt} (measured, not asserted: the house rule for timings).
 */
class BrokerBounceIT {
  private static final int PARTITIONS = 3;
  /**
   * How long the broker stays down in each bounce, the experiment's parameter: a quick restart, then one longer than
   * the app's {@code transaction.timeout.ms} (10 s) and {@code session.timeout.ms} (6 s).
   */
  private static final List<Duration> OUTAGES = List.of(Duration.ofSeconds(3), Duration.ofSeconds(12));
  private static final long FEED_INTERVAL_MS = 250;
  /** Inputs sent back to back before each bounce, so that the broker goes away while work is in flight. */
  private static final int BURST = 40;

  @TempDir Path dir;

  @Test
  void appRecoversByItselfFromTwoBrokerBouncesWithEveryInputExactlyOnce() throws Exception {
    int brokerPort = ItSupport.freePort();
    int controllerPort = ItSupport.freePort();
    while (controllerPort == brokerPort) {
      controllerPort = ItSupport.freePort();
    }
    Path data = dir.resolve("kafka-data");
    LocalKafkaCluster.Builder broker = LocalKafkaCluster.builder().optDataDir(data)
        .optPorts(brokerPort, controllerPort);
    List<String> report = new ArrayList<>();
    try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(dir.resolve("registry"))) {
      LocalKafkaCluster kafka = broker.start();
      Process app = null;
      AtomicBoolean stop = new AtomicBoolean();
      InputFeeder feeder = null;
      try {
        String prefix = "bounce.";
        int httpPort = ItSupport.freePort();
        AppConfig cfg = AppConfig.fromMap(Map.of(
            "application.id", prefix + "app",
            "bootstrap.servers", kafka.bootstrapServers(),
            "schema.registry.url", registry.url(),
            "topics.input", prefix + "images",
            "topics.dense", prefix + "dense",
            "topics.embeddings", prefix + "embeddings",
            "topics.dlq", prefix + "dlq",
            "topics.partitions", Integer.toString(PARTITIONS)));
        // everything else is the app's default: the recovery under test is the app's own
        Path config = ItSupport.writeAppConfig(dir.resolve("app.yaml"), kafka.bootstrapServers(), registry.url(),
            prefix, PARTITIONS, httpPort, "output.dense.size", "28", "streams.num.stream.threads", "2");
        Path log = dir.resolve("app.log");
        app = ItSupport.startApp(config, log, "-Xmx512m");
        Process running = app;
        ItSupport.awaitReady(running, httpPort, log);

        try (ItSupport.Client client = new ItSupport.Client(cfg);
            CommittedOutputReader reader = new CommittedOutputReader(cfg)) {
          feeder = new InputFeeder(client, PARTITIONS, FEED_INTERVAL_MS, stop);
          feeder.start();
          for (int bounce = 1; bounce <= OUTAGES.size(); bounce++) {
            // mid-run: a backlog of BURST inputs, of which some are committed and the rest waiting or in flight
            int burstFrom = feeder.sent();
            feeder.requestBurst(BURST);
            await().alias("part of the burst committed before bounce " + bounce).atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> committedSince(reader, burstFrom) >= 4);
            long stopping = System.nanoTime();
            long committedAtStop = committedSince(reader, burstFrom);
            kafka.close();
            long stopped = System.nanoTime();
            Thread.sleep(OUTAGES.get(bounce - 1).toMillis()); // the outage itself, not a wait for a condition
            assertTrue(running.isAlive(), () -> "the app died while the broker was down: " + ItSupport.tail(log));
            // the old connections' server ends linger in TIME_WAIT; the listeners bind anyway (SO_REUSEADDR)
            int timeWait = TcpTable.timeWait(brokerPort) + TcpTable.timeWait(controllerPort);
            long starting = System.nanoTime();
            kafka = broker.start();
            long serving = System.nanoTime();
            int sentBeforeRestart = feeder.sent();

            await().alias("committed output for an input sent after bounce " + bounce)
                .atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                .until(() -> !running.isAlive() || reader.seen().stream().anyMatch(s -> s.output() == Output.EMBEDDINGS
                    && InputFeeder.index(s.imageId()) >= sentBeforeRestart));
            assertTrue(running.isAlive(), () -> "the app died after the broker came back: " + ItSupport.tail(log));
            long firstNew = reader.seen().stream().filter(s -> s.output() == Output.EMBEDDINGS
                && InputFeeder.index(s.imageId()) >= sentBeforeRestart).mapToLong(CommittedOutputReader.Seen::nanos)
                .min().orElseThrow();
            long lastBefore = reader.seen().stream().filter(s -> s.nanos() < stopping)
                .mapToLong(CommittedOutputReader.Seen::nanos).max().orElse(stopping);
            long firstAfter = reader.seen().stream().filter(s -> s.nanos() > serving)
                .mapToLong(CommittedOutputReader.Seen::nanos).min().orElseThrow();
            ItSupport.awaitReady(running, httpPort, log);
            long ready = System.nanoTime();
            assertTrue(committedAtStop < BURST, () -> "too late for a bounce mid-run: " + committedAtStop
                + " of the burst's " + BURST + " inputs already committed");
            report.add(String.format("bounce %d (%d of a %d-input backlog committed at the stop): broker stop %.1f s, "
                + "down %.1f s, start %.1f s (same dir, same ports with %s connections in TIME_WAIT on them); "
                + "after it served again: first committed output %.1f s, first output of an input sent after the "
                + "restart %.1f s, /ready 200 %.1f s; no committed output for %.1f s in all",
                bounce, committedAtStop, BURST, secs(stopped - stopping), secs(starting - stopped),
                secs(serving - starting), timeWait < 0 ? "(unknown)" : Integer.toString(timeWait),
                secs(firstAfter - serving), secs(firstNew - serving), secs(ready - serving),
                secs(firstAfter - lastBefore)));
          }
          stop.set(true);
          feeder.join(30_000);
          client.flush();
          List<String> good = new ArrayList<>();
          List<String> bad = new ArrayList<>();
          List<String> refused = feeder.outcome(good, bad);
          assertEquals(List.of(), refused, "inputs the broker did not take (the producer retries through a bounce)");
          int n = good.size() + bad.size();
          await().alias("all outputs committed").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
              .until(() -> reader.count(s -> s.output() == Output.EMBEDDINGS) >= good.size()
                  && reader.count(s -> s.output() == Output.DENSE) >= good.size()
                  && reader.count(s -> s.output() == Output.DEAD_LETTERS) >= bad.size());
          reader.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
          Map<String, String> wrong = reader.miscounted(good, bad);
          String metrics = ItSupport.httpBody(httpPort, "/metrics");
          report.add(String.format("inputs %d (%d good, %d bad); lost or duplicated: %d; app restarts: 0; "
              + "stream-thread replacements: %s; images attempted: %s (work aborted and redone: the difference)",
              n, good.size(), bad.size(), wrong.size(), metric(metrics, "anyup_stream_thread_replacements_total"),
              metric(metrics, "anyup_images_attempted_total")));
          String text = String.join("\n", report);
          System.out.println("BrokerBounceIT\n" + text);
          Path out = Path.of("target", "reliability");
          Files.createDirectories(out);
          Files.writeString(out.resolve("broker-bounce.txt"), text + "\n");

          assertEquals(Map.of(), wrong, "images whose committed records are not exactly one per output");
          assertTrue(running.isAlive(), "the app was never restarted");
          running.destroy();
          assertTrue(running.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the app after the bounces");
          assertEquals(0, running.exitValue(), () -> ItSupport.tail(log));
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

  private static String metric(String prometheus, String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})?\\s+([0-9.Ee+]+)")
        .matcher(prometheus);
    return m.find() ? m.group(2) : "(absent)";
  }

  /** Committed embeddings and dead letters of the burst of inputs sent from {@code from} on. */
  private static long committedSince(CommittedOutputReader reader, int from) {
    return reader.count(s -> s.output() != Output.DENSE && InputFeeder.index(s.imageId()) >= from
        && InputFeeder.index(s.imageId()) < from + BURST);
  }

  private static double secs(long nanos) {
    return nanos / 1e9;
  }

  /** Linux's table of IPv4 and IPv6 TCP sockets ({@code /proc/net/tcp}, {@code tcp6}). */
  private static final class TcpTable {
    private static final String TIME_WAIT = "06";

    /** Sockets in TIME_WAIT whose local port is {@code port}; -1 where the table cannot be read. */
    static int timeWait(int port) {
      int count = 0;
      for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        try {
          for (String line : Files.readAllLines(Path.of(table))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[1].contains(":") && !f[0].equals("sl")
                && Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16) == port && f[3].equals(TIME_WAIT)) {
              count++;
            }
          }
        } catch (IOException e) {
          return -1;
        }
      }
      return count;
    }
  }
}
