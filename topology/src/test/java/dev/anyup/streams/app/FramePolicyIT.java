package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on the real broker and registry: camera frames from several sources arrive faster than the stand-in bundle
 * processes them. With {@code frames.max.age.ms} the backlog is skipped, processed frames stay young and every input
 * ends exactly once as an output, a skipped record or a dead letter ({@code read_committed}); with
 * {@code frames.min.interval.ms} (and the age limit) each source's processed frames are at least the interval apart and
 * the accounting stays exact across a SIGKILL and restart of the app (child JVM, as in {@link CrashRecoveryIT}).
 */
@ExtendWith(SharedStack.class)
class FramePolicyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROCESSED = Pattern.compile("(?m)^anyup_images_attempted_total\\s+([0-9.Ee+]+)");
  private static final int SOURCES = 4;
  private static final long MAX_AGE_MS = 3_000;
  /**
   * How much older than {@code frames.max.age.ms} an output may be: the gate bounds a frame's age when it is admitted;
   * the output is built one decode + batch later. On this shared 2-core host a batch takes up to a second or two.
   */
  private static final long PROCESSING_ALLOWANCE_MS = 4_000;

  @TempDir Path dir;

  private static AppConfig config(LocalStack stack, String prefix, Map<String, String> frames) {
    Map<String, String> m = new HashMap<>(Map.of("output.embeddings.enabled", "false", "output.dense.size", "32",
        "frames.skipped.topic", prefix + "skipped", "batch.max.wait.ms", "0"));
    m.putAll(frames);
    return ItSupport.config(stack, prefix, m);
  }

  @Test
  void underOverloadFreshnessSkipsTheBacklogKeepsOutputsYoungAndAccountsForEveryFrameExactlyOnce() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "frames-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = config(stack, prefix, Map.of("frames.max.age.ms", Long.toString(MAX_AGE_MS)));

    try (AnyupApp app = AnyupApp.start(cfg); FrameFeed feed = new FrameFeed(app.config(), SOURCES)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
      // the initial backlog: 50 rounds captured 20 s ago, all stale on arrival
      Instant old = Instant.now().minusSeconds(20);
      for (int i = 0; i < 50; i++) {
        feed.sendRound(old.plusMillis(i * 40L));
      }
      int backlog = feed.sent();
      // then live: 4 cameras at 25 fps = 100 frames/s, several times what the stand-in bundle does on this host
      feed.startLive(Duration.ofMillis(40));
      await().atMost(Duration.ofSeconds(60)).until(() -> app.metrics().imagesAttempted() >= 20);
      int sent = feed.stopLive();

      FrameFeed.Ends ends = feed.collect(sent, Duration.ofSeconds(120));
      assertEquals(sent, ends.total(), () -> "outputs " + ends.dense().size() + " + skipped " + ends.skipped().size()
          + " + dead letters " + ends.deadLetters().size() + " = inputs " + sent);
      Map<String, Integer> perImage = new TreeMap<>();
      List<Long> ages = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : ends.dense()) {
        DenseFeatures f = feed.dense(r);
        perImage.merge(f.getImageId(), 1, Integer::sum);
        ages.add(f.getProcessedTimestamp().toEpochMilli() - f.getCaptureTimestamp().toEpochMilli());
      }
      int stale = 0;
      int backlogSkipped = 0;
      for (ConsumerRecord<byte[], byte[]> r : ends.skipped()) {
        JsonNode s = JSON.readTree(r.value());
        perImage.merge(s.get("image_id").asText(), 1, Integer::sum);
        assertEquals(new String(r.key(), StandardCharsets.UTF_8), s.get("source_id").asText(), "key = source id");
        assertTrue(s.get("age_ms").asLong() > MAX_AGE_MS, () -> "skipped only when older than the limit: " + s);
        stale += s.get("reason").asText().equals("STALE") ? 1 : 0;
        backlogSkipped += Integer.parseInt(s.get("image_id").asText().replaceAll(".*-", "")) < 50 ? 1 : 0;
      }
      assertEquals(sent, perImage.size(), "every frame ended somewhere");
      assertTrue(perImage.values().stream().allMatch(c -> c == 1), "and in exactly one place");
      assertTrue(ends.deadLetters().isEmpty(), "no dead letters: all frames are valid images");
      assertEquals(ends.skipped().size(), stale, "all skips are STALE (no sampling configured)");
      assertEquals(backlog, backlogSkipped, "the whole initial backlog was skipped, not processed");
      assertTrue(!ends.dense().isEmpty() && !ends.skipped().isEmpty(), "overload: some processed, some skipped");
      long oldest = ages.stream().mapToLong(Long::longValue).max().orElseThrow();
      assertTrue(oldest <= MAX_AGE_MS + PROCESSING_ALLOWANCE_MS, () -> "processed-frame ages " + ages);

      // per-source order: each camera's outputs in capture order
      Map<String, Long> lastCapture = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : ends.dense()) {
        DenseFeatures f = feed.dense(r);
        long t = f.getCaptureTimestamp().toEpochMilli();
        Long prev = lastCapture.put(f.getSourceId(), t);
        assertTrue(prev == null || prev <= t, () -> "order of " + f.getSourceId() + " at " + f.getImageId());
      }

      // the meters: skipped by reason and source, processed-frame age, lag per input partition
      assertEquals(ends.skipped().size(), app.metrics().registry().find("anyup.frames.skipped").counters().stream()
          .mapToDouble(c -> c.count()).sum(), 1e-9);
      String metrics = ItSupport.httpBody(app.httpPort(), "/metrics");
      assertTrue(metrics.contains("anyup_frames_skipped_total{reason=\"STALE\",source=\"cam-0\"}"), metrics);
      assertTrue(metrics.contains("anyup_frame_age_seconds_bucket"), "age histogram");
      Pattern lag = Pattern.compile("(?m)^anyup_input_records_lag\\{partition=\"\\d\",topic=\""
          + Pattern.quote(cfg.topics().input()) + "\"\\} ");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> lag.matcher(ItSupport.httpBody(app.httpPort(), "/metrics")).results().count() == 3);
    }
  }

  @Test
  void withBothPoliciesEachSourceStaysAnIntervalApartAndEveryFrameIsAccountedForAcrossAKillNine() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "sampling-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    long interval = 400;
    // freshness too: frames that wait out the restart (model loading, rebalance) are skipped as STALE
    long maxAge = 5_000;
    Map<String, String> frames = Map.of("frames.min.interval.ms", Long.toString(interval), "frames.max.age.ms",
        Long.toString(maxAge));
    AppConfig cfg = config(stack, prefix, frames);

    try (FrameFeed feed = new FrameFeed(cfg, SOURCES)) {
      int port1 = freePort();
      Process first = startApp(writeConfig(cfg, port1), dir.resolve("first.log"));
      try {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
            .until(() -> !first.isAlive() || processed(port1) >= 0);
        assertTrue(first.isAlive(), () -> "first instance died: " + tail(dir.resolve("first.log")));
        feed.startLive(Duration.ofMillis(50)); // 4 cameras at 20 fps, sampled to 2.5 fps each
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> processed(port1) >= 8);
      } finally {
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      int port2 = freePort();
      Process second = startApp(writeConfig(cfg, port2), dir.resolve("second.log"));
      try {
        // live frames keep coming until the restarted instance has worked through the stale backlog on every
        // partition: a source whose partitions only held skipped frames so far would otherwise end unprocessed
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
            .until(() -> !second.isAlive() || processed(port2) >= 8 && feed.processedSources().size() == SOURCES);
        assertTrue(second.isAlive(), () -> "restarted instance died: " + tail(dir.resolve("second.log")));
        int sent = feed.stopLive();

        FrameFeed.Ends ends = feed.collect(sent, Duration.ofSeconds(120));
        assertEquals(sent, ends.total(), () -> "outputs " + ends.dense().size() + " + skipped "
            + ends.skipped().size() + " + dead letters " + ends.deadLetters().size() + " = inputs " + sent
            + "; second log: " + tail(dir.resolve("second.log")));
        Map<String, Integer> perImage = new TreeMap<>();
        Map<String, Long> lastCapture = new HashMap<>();
        Map<String, Integer> processedPerSource = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : ends.dense()) {
          DenseFeatures f = feed.dense(r);
          perImage.merge(f.getImageId(), 1, Integer::sum);
          processedPerSource.merge(f.getSourceId(), 1, Integer::sum);
          long t = f.getCaptureTimestamp().toEpochMilli();
          Long prev = lastCapture.put(f.getSourceId(), t);
          assertTrue(prev == null || t - prev >= interval, () -> f.getSourceId() + ": " + f.getImageId()
              + " only " + (t - prev) + " ms after the previous processed frame");
        }
        for (ConsumerRecord<byte[], byte[]> r : ends.skipped()) {
          JsonNode s = JSON.readTree(r.value());
          perImage.merge(s.get("image_id").asText(), 1, Integer::sum);
          String reason = s.get("reason").asText();
          assertTrue(reason.equals("SAMPLED") || reason.equals("STALE") && s.get("age_ms").asLong() > maxAge,
              () -> "skipped as " + s);
        }
        assertEquals(sent, perImage.size(), "every frame ended somewhere");
        assertTrue(perImage.values().stream().allMatch(c -> c == 1), "and in exactly one place");
        assertEquals(SOURCES, processedPerSource.size(), "every source processed: " + processedPerSource);
      } finally {
        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private Path writeConfig(AppConfig cfg, int httpPort) throws IOException {
    Path f = dir.resolve("app-" + httpPort + ".yaml");
    Files.writeString(f, String.join("\n",
        "application.id: " + cfg.applicationId(),
        "bootstrap.servers: " + cfg.bootstrapServers(),
        "schema.registry.url: " + cfg.schemaRegistryUrl(),
        "topics.input: " + cfg.topics().input(),
        "topics.dense: " + cfg.topics().dense(),
        "topics.embeddings: " + cfg.topics().embeddings(),
        "topics.dlq: " + cfg.topics().dlq(),
        "topics.partitions: 3",
        "http.port: " + httpPort,
        "output.embeddings.enabled: false",
        "output.dense.size: 32",
        "frames.min.interval.ms: " + cfg.frames().minInterval().toMillis(),
        "frames.max.age.ms: " + cfg.frames().maxAge().toMillis(),
        "frames.skipped.topic: " + cfg.frames().skippedTopic(),
        "batch.max.wait.ms: 0",
        "streams.num.stream.threads: 2",
        "streams.commit.interval.ms: 500",
        // a SIGKILLed member must leave the group quickly, and its open transaction must abort quickly
        "streams.consumer.session.timeout.ms: 6000",
        "streams.consumer.heartbeat.interval.ms: 1500",
        "streams.producer.transaction.timeout.ms: 10000",
        ""));
    return f;
  }

  private static Process startApp(Path config, Path log) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
        "-Dai.djl.offline=true", "-cp", cp, "dev.anyup.streams.app.Main", "run", "--config", config.toString());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
