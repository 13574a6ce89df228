package dev.anyup.streams.bench;

import dev.anyup.streams.app.AnyupApp;
import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerializer;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The full pipeline against the real local stack: the app ({@link AnyupApp}, exactly the production startup path)
 * with its own topics per run, fed N JPEG {@link ImageEvent}s either in one burst or at a fixed interval, read back with
 * a {@code read_committed} consumer. Output topics use {@code message.timestamp.type=LogAppendTime}, so an output's
 * timestamp is when the broker appended it; latency is that minus the input record's timestamp (the event time).
 *
 * <p>"N images already in the input topic" is realised as: start the app, wait until it is RUNNING with its partitions
 * assigned, then publish all N at once. Publishing before the app starts would count its startup (bundle load and
 * verification, group join) as processing time of the first images.
 */
final class PipelineRun {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final int PARTITIONS_PER_THREAD = 2;
  /** Warm-up ends once the JIT compiler's time in a round is under this share of the round's wall time... */
  private static final double WARM_JIT_SHARE = 0.10;
  /** ...or after this many rounds... */
  private static final int WARM_MAX_ROUNDS = 6;
  /** ...or once a round ends after this long. */
  private static final Duration WARM_MAX = Duration.ofSeconds(90);

  /** The local broker and registry (Apicurio), shared by every run of one benchmark. */
  static final class Stack implements AutoCloseable {
    private final LocalStack local;

    private Stack(LocalStack local) {
      this.local = local;
    }

    static Stack start(Path dir) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + dir, e);
      }
      return new Stack(LocalStack.start(dir, LocalKafkaCluster.builder().optLogDirParent(dir)));
    }

    LocalKafkaCluster kafka() {
      return local.kafka();
    }

    String registryUrl() {
      return local.schemaRegistryUrl();
    }

    @Override
    public void close() {
      local.close();
    }
  }

  /** One output record as the consumer saw it. */
  private record Output(String topic, String key, long appendTime, int valueBytes) {}

  private final Stack stack;
  private final SyntheticImages frames;
  private final GraphTimer.Split split;
  private final List<String> extraConfig;
  private final boolean console;
  private final int consoleClickSeconds;
  private int runs;
  private int maxWarmUpRounds = WARM_MAX_ROUNDS;
  private ThreadCpu.PerImage lastCpu;

  PipelineRun(Stack stack, SyntheticImages frames, GraphTimer.Split split, List<String> extraConfig) {
    this(stack, frames, split, extraConfig, false, 1);
  }

  /**
   * With {@code console}: every run has the web console on (similar-image search too) and a {@link ConsolePoller}
   * that clicks every {@code consoleClickSeconds} seconds.
   */
  PipelineRun(Stack stack, SyntheticImages frames, GraphTimer.Split split, List<String> extraConfig,
      boolean console, int consoleClickSeconds) {
    this.stack = stack;
    this.frames = frames;
    this.split = split;
    List<String> extra = new ArrayList<>(extraConfig);
    if (console) {
      extra.addAll(List.of("console.enabled=true", "console.port=0", "console.similar.enabled=true"));
    }
    this.extraConfig = List.copyOf(extra);
    this.console = console;
    this.consoleClickSeconds = consoleClickSeconds;
  }

  /** This runner with one warm-up round only (smoke runs: they check that the pipeline works, not its speed). */
  /** CPU per image by role over the last measured burst; null before one, or where the JVM cannot measure it. */
  ThreadCpu.PerImage lastCpu() {
    return lastCpu;
  }

  PipelineRun singleWarmUpRound() {
    maxWarmUpRounds = 1;
    return this;
  }

  /** N images published at once once the app is running; throughput from first input to last output. */
  ResultTable.Row burst(Workload w, String run, int batch, int waitMs, int streamThreads, int images,
      double ceiling) {
    return execute(w, run, batch, waitMs, streamThreads, images, Duration.ZERO, ceiling);
  }

  /** One image every {@code interval}; the latency row that matters for a camera feed. */
  ResultTable.Row light(Workload w, String run, int batch, int waitMs, int streamThreads, int images,
      Duration interval, double ceiling) {
    return execute(w, run, batch, waitMs, streamThreads, images, interval, ceiling);
  }

  private ResultTable.Row execute(Workload w, String run, int batch, int waitMs, int streamThreads, int images,
      Duration interval, double ceiling) {
    String id = String.format(Locale.ROOT, "bench-%d-%s", ++runs, (w.name() + "-" + run).replaceAll("[^a-zA-Z0-9]+",
        "-"));
    String input = id + ".images";
    String dense = id + ".dense";
    String embeddings = id + ".embeddings";
    String dlq = id + ".dlq";
    Map<String, String> config = new HashMap<>();
    config.put("application.id", id);
    config.put("bootstrap.servers", stack.kafka().bootstrapServers());
    config.put("schema.registry.url", stack.registryUrl());
    config.put("topics.input", input);
    config.put("topics.dense", dense);
    config.put("topics.embeddings", embeddings);
    config.put("topics.dlq", dlq);
    config.put("model.bundle", w.bundle());
    config.put("model.input.size", Integer.toString(w.inputSize()));
    config.put("batch.max.size", Integer.toString(batch));
    config.put("batch.max.wait.ms", Integer.toString(waitMs));
    config.put("http.port", "0");
    if (streamThreads > 0) {
      config.put("streams.num.stream.threads", Integer.toString(streamThreads));
    }
    config.putAll(w.config());
    for (String kv : extraConfig) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set expects KEY=VALUE, was '" + kv + "'");
      }
      config.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    // a stream thread without a partition idles: two partitions per stream thread (the app's default count unless
    // set), so every thread owns the same number and round-robin input keeps them equally busy (3 partitions on 2
    // threads left one thread with twice the work)
    int partitions = PARTITIONS_PER_THREAD * AppConfig.fromMap(config).streamThreads();
    config.put("topics.partitions", Integer.toString(partitions));
    AppConfig cfg = AppConfig.fromMap(config);
    Map<String, String> outputTopicConfig = Map.of(
        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime",
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(stack.kafka().maxMessageBytes()));
    createTopics(List.of(new NewTopic(input, partitions, (short) 1),
        new NewTopic(dense, partitions, (short) 1).configs(outputTopicConfig),
        new NewTopic(embeddings, partitions, (short) 1).configs(outputTopicConfig)));

    List<byte[]> jpegs = new ArrayList<>(images);
    for (int i = 0; i < images; i++) {
      jpegs.add(frames.jpeg(i));
    }
    try (AnyupApp app = AnyupApp.start(cfg);
        KafkaProducer<String, ImageEvent> producer = imageProducer(stack);
        KafkaConsumer<String, byte[]> consumer = committedReader(stack, id);
        ConsolePoller poller = console ? ConsolePoller.start(app.consolePort(), consoleClickSeconds) : null) {
      awaitRunning(app, id);
      List<TopicPartition> outputPartitions = new ArrayList<>();
      for (String topic : List.of(dense, embeddings)) {
        for (int p = 0; p < partitions; p++) {
          outputPartitions.add(new TopicPartition(topic, p));
        }
      }
      consumer.assign(outputPartitions);
      consumer.seekToBeginning(outputPartitions);
      consumer.poll(Duration.ZERO); // resolve the start offsets before the clock starts

      // steady state: a fresh app's first images pay for ORT arena allocation, JIT compilation (decode, f16
      // encoding, Avro, Kafka clients, and the in-process broker's request path) and the broker's first segment
      // writes. A 2-4 image warm-up left the first pipeline run of each workload ~2x slower than the second whatever
      // its batch size, so warm up in rounds of about 4 s of model-only work (at least 4 images and one full batch,
      // at most 48) until the JIT compiler's time in a round is under WARM_JIT_SHARE of its wall time (one round
      // left it at 40-90 ms per image in the measured burst, 10-140 % of the model's own CPU time)
      int warmUp = (int) Math.max(Math.max(4, Math.min(batch, 8)), Math.min(48, Math.ceil(ceiling * 4)));
      Map<String, Long> warmSent = new HashMap<>();
      int warmed = 0;
      long warmStart = System.nanoTime();
      for (int round = 1; ; round++) {
        long jitBefore = ThreadCpu.snapshot().jitMs();
        long roundStart = System.nanoTime();
        for (int i = 0; i < warmUp; i++) {
          int n = warmed + i;
          send(producer, input, n % partitions, id, "warm-" + n, jpegs.get(n % jpegs.size()), warmSent);
        }
        producer.flush();
        collect(consumer, dense, embeddings, cfg, warmUp, app, Duration.ofSeconds(60).plus(Duration.ofMillis(
            (long) (warmUp * 1000.0 / Math.max(ceiling, 1e-3) * 10))), id + " (warm-up)", warmed + warmUp, false);
        warmed += warmUp;
        double wallMs = (System.nanoTime() - roundStart) / 1e6;
        double jitShare = (ThreadCpu.snapshot().jitMs() - jitBefore) / Math.max(1, wallMs);
        PipelineBenchmark.log("  warm-up round %d: %d images in %.1f s, JIT compiler time %.0f %% of it", round,
            warmUp, wallMs / 1000, 100 * jitShare);
        if (jitShare < WARM_JIT_SHARE || round >= maxWarmUpRounds
            || System.nanoTime() - warmStart > WARM_MAX.toNanos()) {
          break;
        }
      }
      MeterSnapshot before = MeterSnapshot.of(app.metrics().registry());
      double deadLettersBefore = app.metrics().deadLetters();
      ThreadCpu.Snapshot cpuBefore = ThreadCpu.snapshot();

      Map<String, Long> sentAt = new HashMap<>();
      long start = System.nanoTime();
      for (int i = 0; i < images; i++) {
        if (!interval.isZero()) {
          sleepUntil(start + i * interval.toNanos());
        }
        // round-robin over the partitions: a burst of a dozen keys hashes unevenly (8 of 12 images on one stream
        // thread's partitions), and the tail that only one thread can work on then measures the key hash, not the
        // pipeline
        send(producer, input, i % partitions, id, "img-" + i, jpegs.get(i), sentAt);
        if (!interval.isZero()) {
          producer.flush();
        }
      }
      producer.flush();

      int expectedPerTopic = images;
      Duration deadline = Duration.ofSeconds(120).plus(Duration.ofMillis(
          (long) (images * 1000.0 / Math.max(ceiling, 1e-3) * 10)));
      List<Output> outputs = collect(consumer, dense, embeddings, cfg, expectedPerTopic, app, deadline, id,
          warmed + expectedPerTopic, true);
      MeterSnapshot measured = MeterSnapshot.of(app.metrics().registry()).minus(before);
      if (ThreadCpu.supported()) {
        lastCpu = ThreadCpu.between(cpuBefore, ThreadCpu.snapshot(), id, images);
        PipelineBenchmark.log("  %s", lastCpu);
      }
      double deadLetters = app.metrics().deadLetters() - deadLettersBefore;
      if (poller != null) {
        PipelineBenchmark.log("  %s", poller.summary(warmed + images));
      }
      return row(w, run, batch, images, interval, ceiling, sentAt, outputs, measured, deadLetters);
    }
  }

  private ResultTable.Row row(Workload w, String run, int batch, int images, Duration interval, double ceiling,
      Map<String, Long> sentAt, List<Output> outputs, MeterSnapshot meters, double deadLetters) {
    if (outputs.isEmpty()) {
      throw new IllegalStateException("run " + run + " of " + w.name() + " produced no outputs (" + deadLetters
          + " dead letters); see the app log");
    }
    long firstIn = sentAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
    Map<String, Long> doneAt = new HashMap<>();
    double denseBytes = 0;
    double embeddingBytes = 0;
    int denseCount = 0;
    int embeddingCount = 0;
    for (Output o : outputs) {
      doneAt.merge(o.key(), o.appendTime(), Math::max);
      if (o.topic().endsWith(".dense")) {
        denseBytes += o.valueBytes();
        denseCount++;
      } else {
        embeddingBytes += o.valueBytes();
        embeddingCount++;
      }
    }
    long lastOut = doneAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    double[] latency = doneAt.entrySet().stream().mapToDouble(e -> e.getValue() - sentAt.get(e.getKey())).toArray();
    double elapsedMs = Math.max(1, lastOut - firstIn);
    double imagesPerSecond = images * 1000.0 / elapsedMs;
    Percentiles p = Percentiles.of(latency);

    double modelMsPerImage = meters.batchMs() / images;
    double observedBatch = meters.batches() == 0 ? Double.NaN : meters.batchedImages() / meters.batches();
    double decode = meters.stageMs("decode");
    double preprocess = meters.stageMs("preprocess");
    double encode = meters.stageMs("encode");
    double encoder = modelMsPerImage * split.encoderShare();
    double upsampler = modelMsPerImage - encoder;
    // burst: the per-image wall time; light load: the mean latency (the machine idles between images)
    double budget = interval.isZero() ? elapsedMs / images
        : Arrays.stream(latency).average().orElse(0);
    double kafka = Math.max(0, budget - decode - preprocess - modelMsPerImage - encode);
    String label = deadLetters > 0 ? String.format(Locale.ROOT, "%s (%.0f DLQ)", run, deadLetters) : run;
    PipelineBenchmark.log("  %s: %.2f img/s, p50 %.0f ms p99 %.0f ms, batch %.1f, model %.0f ms/img", label,
        imagesPerSecond, p.p50(), p.p99(), observedBatch, modelMsPerImage);
    // light load: throughput is the arrival rate, so a ratio to the ceiling would say nothing
    return new ResultTable.Row(w.name(), label, batch, observedBatch, imagesPerSecond,
        interval.isZero() ? ceiling : Double.NaN, p,
        denseCount == 0 ? 0 : denseBytes / denseCount, embeddingCount == 0 ? 0 : embeddingBytes / embeddingCount,
        new StageShares(decode, preprocess, encoder, upsampler, encode, kafka));
  }

  private List<Output> collect(KafkaConsumer<String, byte[]> consumer, String dense, String embeddings, AppConfig cfg,
      int expectedPerTopic, AnyupApp app, Duration timeout, String id, int processedWhenDone, boolean measured) {
    List<Output> outputs = new ArrayList<>();
    int wantDense = cfg.output().denseEnabled() ? expectedPerTopic : 0;
    int wantEmbeddings = cfg.output().embeddingsEnabled() ? expectedPerTopic : 0;
    int gotDense = 0;
    int gotEmbeddings = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      // an image that went to the dead letter topic yields no outputs: wait only for those that were processed
      double deadLetters = app.metrics().deadLetters();
      double processed = app.metrics().imagesAttempted();
      boolean allAccounted = processed + deadLetters >= processedWhenDone;
      int need = allAccounted ? expectedPerTopic - (int) deadLetters : expectedPerTopic;
      if (gotDense >= Math.min(wantDense, need) && gotEmbeddings >= Math.min(wantEmbeddings, need)
          && (deadLetters == 0 || allAccounted)) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(String.format(Locale.ROOT,
            "run %s: %d/%d dense and %d/%d embedding records after %s (app %s, %.0f dead letters)", id, gotDense,
            wantDense, gotEmbeddings, wantEmbeddings, timeout, app.state(), deadLetters));
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (measured && r.key() != null && r.key().startsWith("warm-")) {
          continue; // a late warm-up output
        }
        outputs.add(new Output(r.topic(), r.key(), r.timestamp(), r.value() == null ? 0 : r.value().length));
        if (r.topic().equals(dense)) {
          gotDense++;
        } else if (r.topic().equals(embeddings)) {
          gotEmbeddings++;
        }
      }
    }
    return outputs;
  }

  private void awaitRunning(AnyupApp app, String id) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline || app.state() == KafkaStreams.State.ERROR) {
        throw new IllegalStateException("app " + id + " not RUNNING after " + START_TIMEOUT + ": " + app.state());
      }
      sleepUntil(System.nanoTime() + 50_000_000L);
    }
  }

  /** A producer of {@link ImageEvent}s to {@code stack} (acks=all, no linger, schemas registered as needed). */
  static KafkaProducer<String, ImageEvent> imageProducer(Stack stack) {
    Map<String, Object> props = new HashMap<>(stack.kafka().clientConfig());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    SpecificAvroSerializer<ImageEvent> values = new SpecificAvroSerializer<>();
    values.configure(Map.of("schema.registry.url", stack.registryUrl(), "auto.register.schemas", "true"), false);
    return new KafkaProducer<>(props, new StringSerializer(), values);
  }

  /** The outside reader: {@code read_committed}, no auto-commit, fetches as large as the broker's biggest message. */
  static KafkaConsumer<String, byte[]> committedReader(Stack stack, String id) {
    Map<String, Object> props = new HashMap<>(stack.kafka().clientConfig());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, id + "-reader");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, stack.kafka().maxMessageBytes());
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, stack.kafka().maxMessageBytes());
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Creates the topics and waits until every partition has a leader. Not {@code LocalKafkaCluster.createTopics}: its
   * leader wait gives up when {@code describeTopics} races the metadata propagation
   * ({@code UnknownTopicOrPartitionException}), which killed a benchmark run; here that is retried.
   */
  void createTopics(List<NewTopic> topics) {
    List<String> names = topics.stream().map(NewTopic::name).toList();
    try (Admin admin = Admin.create(stack.kafka().clientConfig())) {
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try {
          boolean led = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS).values().stream()
              .flatMap(d -> d.partitions().stream()).allMatch(p -> p.leader() != null && !p.leader().isEmpty());
          if (led) {
            return;
          }
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw e;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("partitions of " + names + " have no leader after 60 s");
        }
        sleepUntil(System.nanoTime() + 50_000_000L);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topics " + names + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics " + names, e);
    }
  }

  static void send(KafkaProducer<String, ImageEvent> producer, String topic, String id, String key,
      byte[] jpeg, Map<String, Long> sentAt) {
    send(producer, topic, null, id, key, jpeg, sentAt);
  }

  /** As above, to {@code partition} (null: the key's partition). */
  static void send(KafkaProducer<String, ImageEvent> producer, String topic, Integer partition, String id, String key,
      byte[] jpeg, Map<String, Long> sentAt) {
    long now = System.currentTimeMillis();
    ImageEvent event = ImageEvent.newBuilder()
        .setImageId(id + "-" + key)
        .setSourceId(key)
        .setCaptureTimestamp(Instant.ofEpochMilli(now))
        .setContentType("image/jpeg")
        .setImage(ByteBuffer.wrap(jpeg))
        .setAttributes(Map.of())
        .build();
    producer.send(new ProducerRecord<>(topic, partition, now, key, event));
    sentAt.put(key, now);
  }

  static void sleepUntil(long nanoTime) {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }
}
