package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: a lost instance must cost seconds, not minutes. Issue 22: no partition waits behind another inside a
 * stream thread. The feed starts before the first instance, which so starts with a backlog on every partition; how
 * long after its first partition's first committed output each other partition's comes, and the longest gap in 20 s
 * of steady state, are printed. Two instances of the app (child JVMs, the default
 * group-membership settings) share a 6-partition input fed at a steady rate; one instance is added (scale-out), one is
 * SIGKILLed, a third is added and the first is stopped with SIGTERM (scale-in). A {@code read_committed} reader notes
 * when each input partition's outputs become visible; the longest per-partition gap in committed output around each
 * event is printed (and written to {@code target/reliability/scale-out.txt} for RELIABILITY.md) — measured, not
 * asserted, as the house rule for timings says. Asserted: every partition makes committed progress again after each
 * event, every input has exactly one dense and one embedding record at the end, and the survivors' {@code /ready}
 * stays 200 through the other instances' joins and leaves.
 */
@ExtendWith(SharedStack.class)
class ScaleOutIT {
  /** Input partitions: 6, or {@code -Dit.partitions=N} for experiments (issue 22's one-partition scale-out). */
  private static final int PARTITIONS = Integer.getInteger("it.partitions", 6);
  private static final long FEED_INTERVAL_MS = 1000;
  /** How long the one-instance steady state is measured, after every partition's first committed output. */
  private static final long STEADY_S = 20;
  /** Extra app settings for experiments, {@code -Dit.app.config=KEY=VALUE[,KEY=VALUE...]}, added to every instance. */
  private static final String APP_CONFIG = System.getProperty("it.app.config", "").strip();

  @TempDir Path dir;

  /** A committed output seen by the reader: which input partition it came from and when it became visible. */
  private record Seen(String topic, String imageId, int inputPartition, long nanos) {}

  @Test
  void partitionsMoveInSecondsOnScaleOutSigkillAndScaleInWithEveryInputExactlyOnce() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "scale-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("topics.partitions", Integer.toString(PARTITIONS),
        "output.dense.size", "28"));
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger();
    List<String> report = new ArrayList<>();
    List<Process> processes = new ArrayList<>();
    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      // the feed starts before instance a: a starts with a backlog on every partition, as after a restart or a
      // deployment, which is where partitions can wait behind each other inside a stream thread
      try (Admin admin = Admin.create(cfg.adminProperties())) {
        TopicProvisioner.ensureInput(admin, cfg);
      }
      Thread feeder = new Thread(() -> feed(client, stop, sent), "feeder");
      Thread reader = new Thread(() -> read(cfg, seen, stop), "reader");
      feeder.start();
      reader.start();
      long tFeed = System.nanoTime();
      Instance a = start(stack, prefix, "a", processes);
      a.awaitReady();
      int backlog = sent.get();
      ReadyWatch watchA = new ReadyWatch(a.port);
      watchA.start();
      awaitProgressOnEveryPartition(seen, tFeed, "instance a alone");
      // steady state: one instance, every partition started; a window of STEADY_S seconds of feed
      long tAll = firstOutputs(seen, tFeed).values().stream().max(Long::compare).orElseThrow();
      awaitProgressOnEveryPartition(seen, tAll + TimeUnit.SECONDS.toNanos(STEADY_S), "instance a alone, steady");
      if (!APP_CONFIG.isEmpty()) {
        report.add("it.app.config: " + APP_CONFIG);
      }
      report.add(aloneLine(seen, tFeed, tAll, System.nanoTime(), backlog));
      System.out.println("ScaleOutIT: " + report.get(report.size() - 1)); // early, for experiments cut short

      long t0 = System.nanoTime();
      Instance b = start(stack, prefix, "b", processes);
      b.awaitReady();
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after scale-out");
      report.add(line("scale-out (b joins a)", seen, t0, System.nanoTime()));

      long t1 = System.nanoTime();
      b.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after SIGKILL of b");
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after SIGKILL of b, steady");
      report.add(line("SIGKILL of b (a survives)", seen, t1, System.nanoTime()));
      int aNotReady = watchA.longestNotReadyMs();

      Instance c = start(stack, prefix, "c", processes);
      c.awaitReady();
      ReadyWatch watchC = new ReadyWatch(c.port);
      watchC.start();
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after c joined");
      long t2 = System.nanoTime();
      a.process.destroy();
      assertTrue(a.process.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops a");
      assertEquals(0, a.process.exitValue(), () -> ItSupport.tail(a.log));
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after SIGTERM of a");
      awaitProgressOnEveryPartition(seen, System.nanoTime(), "after SIGTERM of a, steady");
      report.add(line("SIGTERM of a (scale-in, c survives)", seen, t2, System.nanoTime()));

      stop.set(true);
      feeder.join(10_000);
      int n = sent.get();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .until(() -> seen.stream().filter(s -> s.topic().endsWith("embeddings")).count() >= n
              && seen.stream().filter(s -> s.topic().endsWith("dense")).count() >= n);
      // keep reading until nothing new arrives for 3 s: late duplicates would show up here
      AtomicInteger count = new AtomicInteger(seen.size());
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> count.getAndSet(seen.size()) == seen.size());
      reader.interrupt();
      reader.join(10_000);
      Map<String, Integer> dense = new TreeMap<>();
      Map<String, Integer> emb = new TreeMap<>();
      for (Seen s : seen) {
        (s.topic().endsWith("dense") ? dense : emb).merge(s.imageId(), 1, Integer::sum);
      }
      long denseDup = dense.values().stream().filter(v -> v > 1).count();
      long embDup = emb.values().stream().filter(v -> v > 1).count();
      report.add(String.format("inputs %d; dense %d distinct, %d duplicated; embeddings %d distinct, %d duplicated; "
          + "lost %d", n, dense.size(), denseDup, emb.size(), embDup, n - Math.min(dense.size(), emb.size())));
      report.add("longest /ready 503 of the surviving instance a while b joined and was killed: " + aNotReady
          + " ms; of c while a left: " + watchC.longestNotReadyMs() + " ms");
      // what the transaction fencer did (failover.fence.expired.transactions): its sweeps and aborts per rebalance;
      // and which instance owned which partitions when
      for (Instance i : List.of(a, b, c)) {
        Files.readAllLines(i.log).stream()
            .filter(l -> l.contains("transaction fencer") || l.contains("assignment changed"))
            .map(l -> i.log.getFileName() + ": " + l.substring(0, Math.min(l.length(), 12)) + " "
                + l.substring(l.contains("transaction fencer") ? l.indexOf("transaction fencer")
                    : l.indexOf("assignment changed")))
            .forEach(report::add);
      }
      String text = String.join("\n", report);
      System.out.println("ScaleOutIT\n" + text);
      Path out = Path.of("target", "reliability");
      Files.createDirectories(out);
      Files.writeString(out.resolve("scale-out.txt"), text + "\n");

      assertEquals(n, dense.size(), "every input has a dense record");
      assertEquals(n, emb.size(), "every input has an embedding");
      assertEquals(0, denseDup + embDup, "no duplicates");
      assertTrue(Files.readString(a.log).contains("assignment changed:"), "assignment changes are logged");
      String logA = Files.readString(a.log);
      for (String noise : List.of("CUDA is not supported", "non-archive file",
          "Processing exception handler is not enabled")) {
        assertTrue(!logA.contains(noise), "start-up warning that is not the user's problem: " + noise);
      }
      assertEquals(0, watchC.longestNotReadyMs(), "c stays ready while a leaves gracefully");
      c.process.destroy();
      assertTrue(c.process.waitFor(60, TimeUnit.SECONDS));
    } finally {
      stop.set(true);
      for (Process p : processes) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** One child instance of the app. */
  private record Instance(Process process, int port, Path log) {
    void awaitReady() {
      try {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
            .until(() -> !process.isAlive() || status(port) == 200);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("not ready within 120 s (/ready " + status(port) + "): " + ItSupport.tail(log), e);
      }
      assertTrue(process.isAlive(), () -> "instance died: " + ItSupport.tail(log));
    }
  }

  private Instance start(LocalStack stack, String prefix, String name, List<Process> processes) throws IOException {
    int port = ItSupport.freePort();
    List<String> extra = new ArrayList<>(List.of("output.dense.size", "28", "streams.num.stream.threads", "2"));
    extra.addAll(appConfigPairs());
    Path config = ItSupport.writeAppConfig(dir.resolve(name + ".yaml"), stack, prefix, PARTITIONS, port,
        extra.toArray(String[]::new));
    Path log = dir.resolve(name + ".log");
    Process p = ItSupport.startApp(config, log, "-Xmx512m");
    processes.add(p);
    return new Instance(p, port, log);
  }

  /** {@link #APP_CONFIG} as key-value pairs (flat dotted keys). */
  private static List<String> appConfigPairs() {
    List<String> pairs = new ArrayList<>();
    for (String kv : APP_CONFIG.isEmpty() ? new String[0] : APP_CONFIG.split(",")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("it.app.config expects KEY=VALUE[,KEY=VALUE...] but had '" + kv + "'");
      }
      pairs.add(kv.substring(0, eq).strip());
      pairs.add(kv.substring(eq + 1).strip());
    }
    return pairs;
  }

  /** Sends one small image to every input partition each {@link #FEED_INTERVAL_MS}; ids say the partition. */
  private static void feed(ItSupport.Client client, AtomicBoolean stop, AtomicInteger sent) {
    byte[] image = TestImages.pattern(64, 48, 1, "png");
    for (int round = 0; !stop.get(); round++) {
      for (int p = 0; p < PARTITIONS; p++) {
        String id = "p" + p + "-" + round;
        client.send(p, "cam-" + p, client.event(id, "cam-" + p, image));
        sent.incrementAndGet();
      }
      client.flush();
      try {
        Thread.sleep(FEED_INTERVAL_MS); // the feed rate itself, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Reads both outputs with read_committed from the start, noting when each record became visible. */
  private static void read(AppConfig cfg, ConcurrentLinkedQueue<Seen> seen, AtomicBoolean stop) {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        SpecificAvroSerde<DenseFeatures> dense = serde(cfg, DenseFeatures.class);
        SpecificAvroSerde<ImageEmbedding> emb = serde(cfg, ImageEmbedding.class)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String topic : List.of(cfg.topics().dense(), cfg.topics().embeddings())) {
        // instance a creates the outputs when it starts
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> consumer.partitionsFor(topic).size() > 0);
        consumer.partitionsFor(topic).forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      while (!Thread.currentThread().isInterrupted()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          String id = r.topic().equals(cfg.topics().dense())
              ? dense.deserializer().deserialize(r.topic(), r.value()).getImageId()
              : emb.deserializer().deserialize(r.topic(), r.value()).getImageId();
          int partition = Integer.parseInt(id.substring(1, id.indexOf('-')));
          seen.add(new Seen(r.topic(), id, partition, now));
        }
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> SpecificAvroSerde<T> serde(AppConfig cfg,
      Class<T> type) {
    SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type);
    s.configure(Map.copyOf(cfg.serdeConfig()), false);
    return s;
  }

  /** Waits until every input partition has a committed embedding that became visible after {@code since}. */
  private static void awaitProgressOnEveryPartition(ConcurrentLinkedQueue<Seen> seen, long since, String when) {
    await().alias("committed output on every partition " + when).atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200)).until(() -> seen.stream()
            .filter(s -> s.nanos() > since && s.topic().endsWith("embeddings")).map(Seen::inputPartition)
            .distinct().count() == PARTITIONS);
  }

  /** Each input partition's first committed embedding visible after {@code since}. */
  private static Map<Integer, Long> firstOutputs(ConcurrentLinkedQueue<Seen> seen, long since) {
    Map<Integer, Long> first = new TreeMap<>();
    for (Seen s : seen) {
      if (s.topic().endsWith("embeddings") && s.nanos() > since) {
        first.merge(s.inputPartition(), s.nanos(), Math::min);
      }
    }
    return first;
  }

  /**
   * One instance alone: how long after the first partition's first committed output each other partition's came
   * (the feed started at {@code feedStart}, {@code backlog} inputs were waiting when the instance was ready), and the
   * longest per-partition gap in [allStarted, to].
   */
  private static String aloneLine(ConcurrentLinkedQueue<Seen> seen, long feedStart, long allStarted, long to,
      int backlog) {
    Map<Integer, Long> first = firstOutputs(seen, feedStart);
    long earliest = first.values().stream().min(Long::compare).orElseThrow();
    StringBuilder each = new StringBuilder();
    first.forEach((p, t) -> each.append(String.format(" p%d +%.1f", p, (t - earliest) / 1e9)));
    long outputs = seen.stream().filter(s -> s.topic().endsWith("embeddings") && s.nanos() >= allStarted
        && s.nanos() <= to).count();
    return String.format("instance a alone, started with %d inputs waiting: first committed output %.1f s after the "
        + "feed started; every partition's first within %.1f s of the first (%s); %s; %.1f outputs/s in that window "
        + "(fed %.1f/s)", backlog, (earliest - feedStart) / 1e9, (allStarted - earliest) / 1e9, each.toString().strip(),
        line("steady state", seen, allStarted, to), outputs / ((to - allStarted) / 1e9),
        PARTITIONS * 1000.0 / FEED_INTERVAL_MS);
  }

  /** The longest per-partition gap in committed embeddings within [from, to], as a report line. */
  private static String line(String event, ConcurrentLinkedQueue<Seen> seen, long from, long to) {
    Map<Integer, List<Long>> times = new HashMap<>();
    for (Seen s : seen) {
      if (s.topic().endsWith("embeddings") && s.nanos() >= from && s.nanos() <= to) {
        times.computeIfAbsent(s.inputPartition(), k -> new ArrayList<>()).add(s.nanos());
      }
    }
    long worst = 0;
    int worstPartition = -1;
    for (int p = 0; p < PARTITIONS; p++) {
      List<Long> t = new ArrayList<>(times.getOrDefault(p, List.of()));
      t.sort(null);
      long prev = from;
      long gap = 0;
      for (long x : t) {
        gap = Math.max(gap, x - prev);
        prev = x;
      }
      if (gap > worst) {
        worst = gap;
        worstPartition = p;
      }
    }
    return String.format("%s: longest per-partition gap in committed output %.1f s (partition %d; feed every %d ms, "
        + "window %.1f s)", event, worst / 1e9, worstPartition, FEED_INTERVAL_MS, (to - from) / 1e9);
  }

  private static int status(int port) {
    try {
      return ItSupport.httpGet(port, "/ready");
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Polls one instance's {@code /ready} every 200 ms and keeps the longest run of non-200 answers. */
  private static final class ReadyWatch extends Thread {
    private final int port;
    private volatile int longestMs;

    ReadyWatch(int port) {
      super("ready-watch-" + port);
      this.port = port;
      setDaemon(true);
    }

    @Override
    public void run() {
      long since = -1;
      while (!isInterrupted()) {
        int code = status(port);
        long now = System.nanoTime();
        if (code == -1) {
          return; // the instance is gone
        }
        if (code != 200 && since < 0) {
          since = now;
        } else if (code == 200 && since >= 0) {
          longestMs = (int) Math.max(longestMs, (now - since) / 1_000_000);
          since = -1;
        }
        try {
          Thread.sleep(200); // the probe period, like a Kubernetes probe
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    int longestNotReadyMs() {
      return longestMs;
    }
  }
}
