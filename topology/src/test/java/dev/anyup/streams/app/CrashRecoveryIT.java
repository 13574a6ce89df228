package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under a crash: the app runs as a child JVM ({@code Main run --config}), is killed with SIGKILL while
 * it is processing, and restarted; a {@code read_committed} reader must then see exactly one dense and one embedding
 * record per input image — nothing lost, nothing duplicated. The restarted instance is also stopped with SIGTERM to
 * check the graceful shutdown path and its exit code (0); it runs with {@code -Xmx512m} and is sent issue 10's 97-byte
 * poison record, which must become a dead letter while the instance keeps processing.
 */
@ExtendWith(SharedStack.class)
class CrashRecoveryIT {
  private static final Pattern PROCESSED = Pattern.compile("(?m)^anyup_images_attempted_total\\s+([0-9.Ee+]+)");

  private static final int KILLS = 3;

  @TempDir Path dir;

  @Test
  void everyInputYieldsExactlyOneRecordPerOutputAfterAKillNineMidBatch() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "crash-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    int n = 40;
    Map<String, byte[]> images = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      images.put("frame-" + i, TestImages.pattern(160 + (i % 5) * 16, 120 + (i % 3) * 16, i, i % 2 == 0 ? "png" : "jpg"));
    }
    int port1 = ItSupport.freePort();
    Path config = writeConfig(stack, prefix, port1);
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());

    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      Process first = ItSupport.startApp(config, dir.resolve("first.log"), "-Xmx768m");
      try {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
            .until(() -> !first.isAlive() || processed(port1) >= 0);
        assertTrue(first.isAlive(), () -> "first instance died: " + ItSupport.tail(dir.resolve("first.log")));
        int i = 0;
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
          String source = "cam-" + (i++ % 4);
          client.send(source, client.event(e.getKey(), source, e.getValue()));
        }
        client.flush();
        // kill while work is in flight: some images done, most still queued or in the batcher
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
            .until(() -> processed(port1) >= 4);
        double before = processed(port1);
        assertTrue(before < n - 4, "too late to crash mid-stream: " + before + " of " + n + " already processed");
      } finally {
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }

      int port2 = ItSupport.freePort();
      Path config2 = writeConfig(stack, prefix, port2);
      // the restarted instance runs with half a gigabyte of heap and meets the 97-byte record of issue 10, whose image
      // claims 2,000,000,000 bytes: it must become a dead letter, not an allocation or an OutOfMemoryError loop
      Process second = ItSupport.startApp(config2, dir.resolve("second.log"), "-Xmx512m");
      try {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
            .until(() -> !second.isAlive() || processed(port2) >= 0);
        assertTrue(second.isAlive(), () -> "restarted instance died: " + ItSupport.tail(dir.resolve("second.log")));
        byte[] poison = client.poisonEvent("declares-2GB", "cam-0");
        client.send("cam-0", poison);
        client.flush();
        ItSupport.Outputs out = client.collect(n, n, 1, Duration.ofSeconds(180));
        Map<String, Integer> dense = countByImage(out.dense(), client.serde(DenseFeatures.class), true);
        Map<String, Integer> emb = countByImage(out.embeddings(), client.serde(ImageEmbedding.class), false);
        Map<String, Integer> expected = new TreeMap<>();
        images.keySet().forEach(k -> expected.put(k, 1));
        assertEquals(expected, new TreeMap<>(dense), () -> "dense records per image; second log: "
            + ItSupport.tail(dir.resolve("second.log")));
        assertEquals(expected, new TreeMap<>(emb), "embedding records per image");
        assertEquals(1, out.deadLetters().size(), "one dead letter: the poison record");
        org.junit.jupiter.api.Assertions.assertArrayEquals(poison, out.deadLetters().get(0).value());
        assertEquals("TOO_LARGE", ItSupport.header(out.deadLetters().get(0), "anyup.dlq.reason"));
        assertTrue(second.isAlive(), "the instance survives the poison record");
        assertFalse(Files.readString(dir.resolve("second.log")).contains("OutOfMemoryError"), "no OutOfMemoryError");

        // graceful shutdown on SIGTERM
        second.destroy();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the app within 60 s");
        assertEquals(0, second.exitValue(), () -> "a clean SIGTERM exits with code 0, not 143: "
            + ItSupport.tail(dir.resolve("second.log")));
        String log = Files.readString(dir.resolve("second.log"));
        assertTrue(log.contains("draining the inference batcher") && log.contains("stopped"),
            () -> "graceful shutdown steps logged: " + ItSupport.tail(dir.resolve("second.log")));
      } finally {
        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Several SIGKILLs at random moments in one run (issue 10): while inputs arrive at a steady rate (every seventh a
   * truncated PNG), an instance is started, left to process for a random time and killed, {@value #KILLS} times; a last
   * instance then finishes the work. The delays come from a logged seed ({@code -Dcrash.seed=N} replays a run). Every
   * good input must be committed exactly once on both outputs and every bad one exactly once in the dead letters.
   */
  @Test
  void everyInputExactlyOnceAfterThreeKillNinesAtSeededRandomMoments() throws Exception {
    LocalStack stack = SharedStack.stack();
    long seed = Long.getLong("crash.seed", System.nanoTime());
    java.util.Random random = new java.util.Random(seed);
    System.out.println("CrashRecoveryIT kills: seed " + seed + " (replay with -Dcrash.seed=" + seed + ")");
    String prefix = "kills-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    List<String> report = new java.util.ArrayList<>();
    report.add("seed " + seed);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Process> processes = new java.util.ArrayList<>();
    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      InputFeeder feeder = new InputFeeder(client, 3, 250, stop);
      CommittedOutputReader reader = null;
      try {
        for (int kill = 1; kill <= KILLS + 1; kill++) {
          int port = ItSupport.freePort();
          Path log = dir.resolve("instance-" + kill + ".log");
          Process p = ItSupport.startApp(writeConfig(stack, prefix, port), log, "-Xmx512m");
          processes.add(p);
          await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
              .until(() -> !p.isAlive() || processed(port) >= 0);
          assertTrue(p.isAlive(), () -> "instance died: " + ItSupport.tail(log));
          if (kill == 1) {
            feeder.start();
            reader = new CommittedOutputReader(cfg);
          }
          if (kill > KILLS) {
            break;
          }
          // the instance has started processing; kill it at a random moment of the next 3 s
          await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
              .until(() -> !p.isAlive() || processed(port) >= 1);
          assertTrue(p.isAlive(), () -> "instance died: " + ItSupport.tail(log));
          long delayMs = random.nextInt(3000);
          Thread.sleep(delayMs); // the random moment itself, not a wait for a condition
          double attempted = processed(port);
          p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
          report.add(String.format("kill %d: SIGKILL %d ms after the instance's first image, %.0f images attempted "
              + "by it, %d inputs sent so far", kill, delayMs, attempted, feeder.sent()));
        }
        stop.set(true);
        feeder.join(30_000);
        client.flush();
        List<String> good = new java.util.ArrayList<>();
        List<String> bad = new java.util.ArrayList<>();
        assertEquals(List.of(), feeder.outcome(good, bad), "inputs the broker refused");
        CommittedOutputReader r = reader;
        await().alias("all outputs committed").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
            .until(() -> r.count(s -> s.output() == CommittedOutputReader.Output.EMBEDDINGS) >= good.size()
                && r.count(s -> s.output() == CommittedOutputReader.Output.DENSE) >= good.size()
                && r.count(s -> s.output() == CommittedOutputReader.Output.DEAD_LETTERS) >= bad.size());
        r.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
        Map<String, String> wrong = r.miscounted(good, bad);
        report.add(String.format("inputs %d (%d good, %d bad); kills survived %d; lost or duplicated: %d",
            good.size() + bad.size(), good.size(), bad.size(), KILLS, wrong.size()));
        String text = String.join("\n", report);
        System.out.println("CrashRecoveryIT kills\n" + text);
        Path out = Path.of("target", "reliability");
        Files.createDirectories(out);
        Files.writeString(out.resolve("crash-kills.txt"), text + "\n");
        assertEquals(Map.of(), wrong, () -> "images whose committed records are not exactly one per output (seed "
            + seed + ")");
      } finally {
        stop.set(true);
        if (reader != null) {
          reader.close();
        }
      }
    } finally {
      for (Process p : processes) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> Map<String, Integer> countByImage(
      List<ConsumerRecord<byte[], byte[]>> records, SpecificAvroSerde<T> serde, boolean dense) {
    Map<String, Integer> counts = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      T v = serde.deserializer().deserialize(r.topic(), r.value());
      String id = dense ? ((DenseFeatures) v).getImageId() : ((ImageEmbedding) v).getImageId();
      counts.merge(id, 1, Integer::sum);
    }
    return counts;
  }

  private Path writeConfig(LocalStack stack, String prefix, int httpPort) throws IOException {
    // no group-membership settings: the app's defaults (6 s session, 10 s transactions) make the restart quick
    return ItSupport.writeAppConfig(dir.resolve("app-" + httpPort + ".yaml"), stack, prefix, 3, httpPort,
        "batch.max.size", "4", "batch.max.wait.ms", "20", "streams.num.stream.threads", "2",
        "streams.commit.interval.ms", "500");
  }

  /** Images processed per the child's /metrics, or -1 while it is not serving yet. */
  private static double processed(int port) {
    try {
      Matcher m = PROCESSED.matcher(ItSupport.httpBody(port, "/metrics"));
      return m.find() ? Double.parseDouble(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
