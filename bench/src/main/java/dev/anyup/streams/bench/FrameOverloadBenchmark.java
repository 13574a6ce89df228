package dev.anyup.streams.bench;

import dev.anyup.streams.app.AnyupApp;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.frames.FrameMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Camera frames under overload (issue 12), on the real local stack and the app's production startup path. After a
 * discarded warm-up burst: bursts of fresh frames alternating policy off / {@code frames.max.age.ms} = 1 h (nothing
 * stale): the capacity C is the mean of the "off" ones, the overhead their ratio; the gate's own work per frame timed
 * alone; then {@code --sources} cameras sending live frames at
 * {@code --overload} × C for {@code --seconds}, policy off vs on: age of processed frames (processed minus capture
 * timestamp, read back {@code read_committed}), processed and skipped frames per second within the window. Prints a
 * table; no assertions.
 */
@Command(name = "frame-overload", mixinStandardHelpOptions = true,
    description = "Freshness policy under overload: age of processed frames, processed/s, skipped/s, overhead.")
final class FrameOverloadBenchmark implements Callable<Integer> {

  @Option(names = "--sources", defaultValue = "4", description = "Cameras (record keys) (default: ${DEFAULT-VALUE}).")
  int sources;

  @Option(names = "--overload", defaultValue = "3",
      description = "Offered rate / capacity (default: ${DEFAULT-VALUE}).")
  double overload;

  @Option(names = "--seconds", defaultValue = "30",
      description = "Overload window per run (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--max-age-ms", defaultValue = "2000", description = "frames.max.age.ms with the policy on "
      + "(default: ${DEFAULT-VALUE}).")
  long maxAgeMs;

  @Option(names = "--burst", defaultValue = "120", description = "Frames per capacity/overhead burst "
      + "(default: ${DEFAULT-VALUE}).")
  int burst;

  @Option(names = "--repeats", defaultValue = "3", description = "Overhead bursts per setting, interleaved "
      + "(default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--bundle", defaultValue = "default", description = "model.bundle: the stand-in (default) or "
      + "a bundle folder, e.g. a real DINOv2 + AnyUp export (default: ${DEFAULT-VALUE}).")
  String bundle;

  @Option(names = "--work-dir", defaultValue = "target/frame-overload", description = "Scratch folder "
      + "(default: ${DEFAULT-VALUE}).")
  Path workDir;

  private final SyntheticImages images = new SyntheticImages(640, 480, 42);
  private int runs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FrameOverloadBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(workDir);
    List<String> rows = new ArrayList<>();
    try (PipelineRun.Stack stack = PipelineRun.Stack.start(workDir.resolve("stack"))) {
      burst(stack, Map.of()); // warm-up of the JVM (JIT), discarded: the first app of a run was 2-3x slower
      List<Double> off = new ArrayList<>();
      List<Double> on = new ArrayList<>();
      for (int r = 0; r < repeats; r++) {
        off.add(burst(stack, Map.of()));
        on.add(burst(stack, Map.of("frames.max.age.ms", "3600000")));
      }
      double offMean = off.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      double onMean = on.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      double capacity = offMean;
      rows.add(String.format(Locale.ROOT, "| capacity C: bursts of %d fresh frames, policy off %s frames/s; mean | "
          + "%.2f frames/s |", burst, fmt(off), capacity));
      rows.add(String.format(Locale.ROOT, "| overhead, nothing stale: policy on (max age 1 h) %s frames/s | on/off = "
          + "%.3f |", fmt(on), onMean / offMean));
      double gateMicros = gateMicrosPerFrame(stack);
      rows.add(String.format(Locale.ROOT, "| gate's own work per frame (one more Avro read of a 640x480 JPEG event) | "
          + "%.1f us = %.3f%% of 1/C |", gateMicros, gateMicros / (1e6 / capacity) * 100));
      double rate = overload * capacity;
      rows.add(String.format(Locale.ROOT, "| offered: %d cameras, %.1f frames/s in all (%.1f x C), %d s |  |",
          sources, rate, overload, seconds));
      rows.add("| policy | processed/s | skipped/s | age p50 ms | age p99 ms | age max ms | age p99 ms, 2nd half |");
      rows.add("|---|---:|---:|---:|---:|---:|---:|");
      rows.add(overloaded(stack, rate, Map.of(), "off"));
      rows.add(overloaded(stack, rate, Map.of("frames.max.age.ms", Long.toString(maxAgeMs)),
          "frames.max.age.ms=" + maxAgeMs));
    }
    rows.forEach(System.out::println);
    return 0;
  }

  /** Mean microseconds of the gate's extra work: deserialising the input event once more (the rest is a compare). */
  private double gateMicrosPerFrame(PipelineRun.Stack stack) {
    try (SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(ImageEvent.class)) {
      serde.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
      ImageEvent e = ImageEvent.newBuilder().setImageId("cam-0-1").setSourceId("cam-0")
          .setCaptureTimestamp(Instant.now()).setContentType("image/jpeg").setImage(ByteBuffer.wrap(images.jpeg(0)))
          .setAttributes(Map.of()).setUri(null).build();
      byte[] value = serde.serializer().serialize("gate-cost", e);
      long sink = 0;
      for (int i = 0; i < 5_000; i++) {
        sink += serde.deserializer().deserialize("gate-cost", value).getCaptureTimestamp().toEpochMilli();
      }
      int n = 20_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += serde.deserializer().deserialize("gate-cost", value).getCaptureTimestamp().toEpochMilli();
      }
      double micros = (System.nanoTime() - t0) / 1e3 / n;
      if (sink == 42) {
        System.out.println(); // keeps the loop from being optimised away
      }
      return micros;
    }
  }

  private static String fmt(List<Double> xs) {
    return xs.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList().toString();
  }

  private record Running(AnyupApp app, AppConfig cfg, KafkaProducer<byte[], byte[]> producer,
      SpecificAvroSerde<ImageEvent> events) implements AutoCloseable {
    @Override
    public void close() {
      producer.close();
      events.close();
      app.close();
    }
  }

  private Running start(PipelineRun.Stack stack, Map<String, String> frames) {
    String id = "frames-bench-" + (++runs);
    Map<String, String> m = new HashMap<>();
    m.put("application.id", id);
    m.put("bootstrap.servers", stack.kafka().bootstrapServers());
    m.put("schema.registry.url", stack.registryUrl());
    m.put("topics.input", id + ".images");
    m.put("topics.dense", id + ".dense");
    m.put("topics.embeddings", id + ".embeddings");
    m.put("topics.dlq", id + ".dlq");
    m.put("topics.partitions", Integer.toString(Math.max(3, sources)));
    m.put("output.embeddings.enabled", "false");
    m.put("output.dense.size", "56"); // model cost unchanged; keeps the broker's disk small at hundreds of frames
    m.put("model.bundle", bundle);
    m.put("http.port", "0");
    m.putAll(frames);
    AnyupApp app = AnyupApp.start(AppConfig.fromMap(m));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        app.close();
        throw new IllegalStateException("app " + id + " not RUNNING: " + app.state());
      }
      pause(50);
    }
    Map<String, Object> p = new HashMap<>(stack.kafka().clientConfig());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    SpecificAvroSerde<ImageEvent> events = new SpecificAvroSerde<>(ImageEvent.class);
    events.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
    Running r = new Running(app, app.config(), producer, events);
    // warm-up: JIT, ORT arenas, first segment writes
    for (int i = 0; i < 8; i++) {
      send(r, i, Instant.now());
    }
    producer.flush();
    // a warm-up frame may be skipped as stale when the first model calls are slower than frames.max.age.ms (a real
    // DINOv2 + AnyUp bundle on 2 cores): wait until all 8 are accounted for, processed or skipped
    FrameMetrics warmUp = new FrameMetrics(app.metrics().registry());
    long warmUpDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (app.metrics().imagesAttempted() + warmUp.skipped() < 8) {
      if (System.nanoTime() > warmUpDeadline) {
        throw new IllegalStateException("warm-up: " + app.metrics().imagesAttempted() + " processed, "
            + warmUp.skipped() + " skipped of 8");
      }
      pause(5);
    }
    return r;
  }

  private void send(Running r, int i, Instant capture) {
    String source = "cam-" + (i % sources);
    ImageEvent e = ImageEvent.newBuilder().setImageId(source + "-" + i).setSourceId(source)
        .setCaptureTimestamp(capture).setContentType("image/jpeg").setImage(ByteBuffer.wrap(images.jpeg(i % 64)))
        .setAttributes(Map.of()).setUri(null).build();
    r.producer().send(new ProducerRecord<>(r.cfg().topics().input(), source.getBytes(StandardCharsets.UTF_8),
        r.events().serializer().serialize(r.cfg().topics().input(), e)));
  }

  /** Frames/s of a burst of fresh frames: from the first send until the app has processed them all. */
  private double burst(PipelineRun.Stack stack, Map<String, String> frames) {
    try (Running r = start(stack, frames)) {
      double base = r.app().metrics().imagesAttempted();
      long t0 = System.nanoTime();
      for (int i = 0; i < burst; i++) {
        send(r, 1000 + i, Instant.now());
      }
      r.producer().flush();
      awaitProcessed(r.app(), base + burst);
      return burst / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private String overloaded(PipelineRun.Stack stack, double rate, Map<String, String> frames, String label)
      throws IOException {
    try (Running r = start(stack, frames)) {
      FrameMetrics skippedMeter = new FrameMetrics(r.app().metrics().registry());
      double processed0 = r.app().metrics().imagesAttempted();
      double skipped0 = skippedMeter.skipped();
      long periodNanos = (long) (1e9 / rate);
      long t0 = System.nanoTime();
      long startMillis = System.currentTimeMillis();
      long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
      int i = 0;
      for (long next = t0; next < end; next += periodNanos) {
        pauseUntil(next);
        send(r, 10_000 + i++, Instant.now());
      }
      long endMillis = System.currentTimeMillis();
      double processed = r.app().metrics().imagesAttempted() - processed0;
      double skipped = skippedMeter.skipped() - skipped0;
      r.producer().flush();
      List<long[]> ages = ages(stack, r.cfg(), startMillis, endMillis, (int) processed);
      long[] all = ages.stream().mapToLong(a -> a[1]).sorted().toArray();
      long mid = startMillis + (endMillis - startMillis) / 2;
      long[] late = ages.stream().filter(a -> a[0] >= mid).mapToLong(a -> a[1]).sorted().toArray();
      return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %d | %d | %d | %d |", label, processed / seconds,
          skipped / seconds, pct(all, 0.5), pct(all, 0.99), all.length == 0 ? -1 : all[all.length - 1],
          pct(late, 0.99));
    }
  }

  /** [processed timestamp, age] of every dense output processed within the window, read read_committed. */
  private List<long[]> ages(PipelineRun.Stack stack, AppConfig cfg, long from, long to, int expected) {
    Map<String, Object> p = new HashMap<>(stack.kafka().clientConfig());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, cfg.applicationId() + "-reader");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<long[]> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        SpecificAvroSerde<DenseFeatures> dense = new SpecificAvroSerde<>(DenseFeatures.class)) {
      dense.configure(Map.of("schema.registry.url", cfg.schemaRegistryUrl()), false);
      consumer.subscribe(List.of(cfg.topics().dense()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      int inWindow = 0;
      while (System.nanoTime() < deadline && inWindow < expected) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
          DenseFeatures f = dense.deserializer().deserialize(rec.topic(), rec.value());
          long processedAt = f.getProcessedTimestamp().toEpochMilli();
          if (f.getImageId().startsWith("cam-") && processedAt >= from && processedAt <= to
              && Integer.parseInt(f.getImageId().replaceAll(".*-", "")) >= 10_000) {
            out.add(new long[] {processedAt, processedAt - f.getCaptureTimestamp().toEpochMilli()});
            inWindow++;
          }
        }
      }
    }
    return out;
  }

  private static long pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static void awaitProcessed(AnyupApp app, double target) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (app.metrics().imagesAttempted() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("processed " + app.metrics().imagesAttempted() + " of " + target);
      }
      pause(5);
    }
  }

  private static void pauseUntil(long nanos) {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      pause(Math.max(1, wait / 1_000_000));
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
