package dev.anyup.streams.topology;

import dev.anyup.streams.http.HttpLimits;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.topology.frames.FramePolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The whole application's configuration, typed and validated once at load time (see {@code ConfigLoader}). Every
 * section is an immutable record whose constructor rejects bad values with a message naming the key and the value.
 * Kafka {@link Properties} exist only at the client boundary ({@link #streamsProperties()} and friends); client keys
 * under the pass-through prefixes ({@code kafka.}, {@code streams.}, {@code producer.}, {@code consumer.},
 * {@code admin.}, {@code schema.registry.}) are carried verbatim. {@link #toString()} masks secrets.
 */
public record AppConfig(
    String applicationId,
    String bootstrapServers,
    String schemaRegistryUrl,
    Topics topics,
    Model model,
    Output output,
    Batch batch,
    Limits limits,
    Readiness readiness,
    FramePolicy frames,
    Console console,
    Segmentation segmentation,
    int httpPort,
    Map<String, String> passThrough,
    String httpBind,
    Serve serve,
    HttpLimits httpLimits,
    Failover failover) {

  /** Prefixes whose keys go verbatim to Kafka clients or the serde. */
  public static final Set<String> PASS_THROUGH_PREFIXES =
      Set.of("kafka.", "streams.", "producer.", "consumer.", "admin.", "schema.registry.");

  /**
   * The directory for the app's native libraries (ONNX Runtime, RocksDB), reused across restarts so that nothing is
   * extracted into the OS temp folder on each start. Kept with the pass-through entries (it has no record component
   * of its own) but never passed to a client.
   */
  public static final String TEMP_DIR_KEY = "app.temp.dir";

  static final int DEFAULT_STREAM_THREADS = 2;

  /**
   * {@code http.bind} (the ops port: /health, /ready, /metrics) defaults to all interfaces: its callers are an
   * orchestrator's probes and a Prometheus scraper, which reach a container from outside it, and it serves nothing
   * but health and counters. {@code local} writes {@code 127.0.0.1} for a developer's machine.
   */
  public static final String DEFAULT_HTTP_BIND = "0.0.0.0";
  /** {@code http.port}: the ops port. */
  public static final int DEFAULT_HTTP_PORT = 8080;
  /** {@code application.id}. */
  public static final String DEFAULT_APPLICATION_ID = "anyup-streams";

  /** The canonical form without {@code http.bind} (all interfaces, {@link #DEFAULT_HTTP_BIND}). */
  public AppConfig(String applicationId, String bootstrapServers, String schemaRegistryUrl, Topics topics,
      Model model, Output output, Batch batch, Limits limits, Readiness readiness, FramePolicy frames,
      Console console, Segmentation segmentation, int httpPort, Map<String, String> passThrough) {
    this(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits, readiness, frames,
        console, segmentation, httpPort, passThrough, DEFAULT_HTTP_BIND);
  }

  /** The canonical form without {@code serve.*} and the HTTP limits (their defaults). */
  public AppConfig(String applicationId, String bootstrapServers, String schemaRegistryUrl, Topics topics,
      Model model, Output output, Batch batch, Limits limits, Readiness readiness, FramePolicy frames,
      Console console, Segmentation segmentation, int httpPort, Map<String, String> passThrough, String httpBind) {
    this(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits, readiness, frames,
        console, segmentation, httpPort, passThrough, httpBind, Serve.defaults(), HttpLimits.defaults(),
        Failover.defaults());
  }
  private static final Pattern SECRET_KEY =
      Pattern.compile(".*(password|jaas|secret|user\\.info|token|credentials|\\.key$).*", Pattern.CASE_INSENSITIVE);

  public AppConfig {
    applicationId = nonBlank("application.id", applicationId);
    bootstrapServers = nonBlank("bootstrap.servers", bootstrapServers);
    schemaRegistryUrl = nonBlank("schema.registry.url", schemaRegistryUrl);
    require(topics != null, "topics must be set");
    require(model != null, "model must be set");
    require(output != null, "output must be set");
    require(batch != null, "batch must be set");
    require(limits != null, "limits must be set");
    require(readiness != null, "readiness must be set");
    require(frames != null, "frames must be set");
    require(console != null, "console must be set");
    require(segmentation != null, "segmentation must be set");
    require(serve != null, "serve must be set");
    require(httpLimits != null, "HTTP limits must be set");
    require(failover != null, "failover must be set");
    require(!segmentation.enabled() || !Set.of(topics.input(), topics.dense(), topics.embeddings(), topics.dlq())
        .contains(segmentation.topic()), "segmentation.topic must differ from the input, output and dead-letter "
        + "topics but was '" + segmentation.topic() + "'");
    require(!segmentation.enabled() || !segmentation.topic().equals(segmentation.conceptsTopic()),
        "segmentation.concepts.topic must differ from segmentation.topic but both were '" + segmentation.topic() + "'");
    require(!frames.publishesSkipped() || !Set.of(topics.input(), topics.dense(), topics.embeddings(), topics.dlq())
        .contains(frames.skippedTopic()), "frames.skipped.topic must differ from the input, output and dead-letter "
        + "topics but was '" + frames.skippedTopic() + "'");
    require(httpPort >= 0 && httpPort <= 65535, "http.port must be in [0, 65535] but was " + httpPort);
    httpBind = httpBind == null ? DEFAULT_HTTP_BIND : httpBind.trim();
    require(!httpBind.isEmpty(), "http.bind must not be blank but was ''");
    require(passThrough == null || !passThrough.containsKey(TEMP_DIR_KEY)
        || !passThrough.get(TEMP_DIR_KEY).isBlank(), TEMP_DIR_KEY + " must not be blank");
    passThrough = Map.copyOf(passThrough == null ? Map.of() : passThrough);
    for (String key : passThrough.keySet()) {
      require(key.equals(TEMP_DIR_KEY) || PASS_THROUGH_PREFIXES.stream().anyMatch(key::startsWith),
          "pass-through key '" + key + "' has none of the prefixes " + PASS_THROUGH_PREFIXES);
    }
    String guarantee = passThrough.getOrDefault("streams.processing.guarantee", "exactly_once_v2");
    require(Set.of("exactly_once_v2", "at_least_once").contains(guarantee),
        "streams.processing.guarantee must be exactly_once_v2 or at_least_once but was '" + guarantee + "'");
    long session = clientSetting(passThrough, "session.timeout.ms", true);
    long transaction = clientSetting(passThrough, "transaction.timeout.ms", false);
    require(!guarantee.equals("exactly_once_v2") || transaction > session,
        "transaction.timeout.ms (" + transaction + ") must exceed session.timeout.ms (" + session + "): a survivor "
            + "cannot commit while the group waits out a dead member's session, and a transaction open longer than "
            + "transaction.timeout.ms is aborted and its producer fenced");
    long maxPoll = clientSetting(passThrough, "max.poll.interval.ms", true);
    require(maxPoll > batch.timeout().toMillis(),
        "max.poll.interval.ms (" + maxPoll + ") must exceed batch.timeout.ms (" + batch.timeout().toMillis()
            + "): a stream thread waits up to batch.timeout.ms for one model call between polls");
  }

  /**
   * Group-membership and transaction defaults for Kafka Streams' clients, each applied unless the same client key is
   * set under any pass-through prefix ({@code kafka.}, {@code streams.}, {@code streams.consumer.},
   * {@code streams.main.consumer.}, {@code consumer.}, {@code streams.producer.}, {@code producer.}). Why these
   * values (measured in {@code ScaleOutIT}, figures in RELIABILITY.md):
   * <ul>
   *   <li>{@code session.timeout.ms} 6000 (Kafka: 45000; 6000 is the broker's default minimum) and
   *       {@code heartbeat.interval.ms} 1500: a SIGKILLed instance is noticed in 6 s instead of 45 s; heartbeats come
   *       from the consumer's own thread, so a long model call does not miss them;
   *   <li>{@code transaction.timeout.ms} 10000 (Kafka Streams' exactly-once default, made explicit): longer than the
   *       session timeout, because a survivor cannot commit while the group waits out a dead member, and short,
   *       because a killed instance's open transaction holds back {@code read_committed} readers of every output
   *       partition it wrote to until it times out;
   *   <li>{@code max.poll.records} 1 (Kafka: 500; Kafka Streams: 1000): a stream thread polls, and so answers a
   *       rebalance, after every record instead of after a buffer of records (up to half of
   *       {@code max.poll.interval.ms}, 150 s) — with a model call per record, a busy thread otherwise delays every
   *       rebalance by seconds. Records are still fetched ahead in batches; a poll of buffered data is cheap;
   *   <li>{@code max.partition.fetch.bytes} 1 (Kafka: 1048576): one record batch per fetch response. With one
   *       record per poll, the consumer hands out the records it fetched for one partition, all of them, before the
   *       next partition's: with 1 MB per partition a backlog of small images came out partition by partition, and an
   *       instance that started with 15 inputs waiting on each of 6 partitions committed its last partition's first
   *       output 7.0 s after its first partition's (large images: a few per partition, each a model call). The broker
   *       still returns the first batch of the first partition with data whatever its size (KIP-74) and nothing of
   *       the others, and rotates partitions that returned data to the end, so the partitions with input take turns,
   *       a batch each: 0.7 s in the same run (issue 22, {@code ScaleOutIT}, RELIABILITY.md), throughput unchanged
   *       (9.7 vs 9.8 outputs/s). A fetch round trip per batch is nothing next to a model call per image;
   *   <li>{@code send.buffer.bytes} -1 (Kafka: 131072), the operating system's TCP send buffer with its autotuning
   *       (Linux: up to {@code net.ipv4.tcp_wmem}'s maximum, 4 MB by default): the JDK writes a heap buffer to a socket
   *       by copying <em>all</em> of its remaining bytes into a direct buffer on every write call, and each call
   *       sends at most what the send buffer takes, so a record costs its size times the number of writes — for a
   *       38.5 MB dense record and a 128 KB buffer about 150 writes and ~3 GB of copying, most of the pipeline's
   *       own CPU per image (BENCHMARKS.md, "the pipeline's own cost"). An explicit size would be capped by
   *       {@code net.core.wmem_max} (208 KB on a stock Linux); the autotuned buffer is not;
   *   <li>{@code max.block.ms} 180000 (Kafka: 60000): how long a send, an offset commit into the transaction or a
   *       commit may wait for the broker. With Kafka's 60 s, a broker outage of a minute ended in "not present in
   *       metadata after 60000 ms", a corrupted task, a failed commit and a replaced stream thread, about 100 lines
   *       of stack traces (issue 22, {@code QuietOutageIT}); with 180 s the threads simply wait. Below
   *       {@code max.poll.interval.ms} (300 s), so a waiting thread is not dropped from the group for it. Outages
   *       longer than {@code delivery.timeout.ms} (Kafka: 120 s) still end queued sends with errors that
   *       exactly-once recovers from.
   * </ul>
   */
  static final Map<String, String> CONSUMER_DEFAULTS = Map.of(
      "session.timeout.ms", "6000",
      "heartbeat.interval.ms", "1500",
      "max.poll.records", "1",
      "max.partition.fetch.bytes", "1");
  static final Map<String, String> PRODUCER_DEFAULTS = Map.of(
      "transaction.timeout.ms", "10000",
      "send.buffer.bytes", "-1",
      "max.block.ms", "180000");
  /** Kafka Streams' own default {@code max.poll.interval.ms} (the consumer's 300000, kept by Streams). */
  static final long STREAMS_MAX_POLL_INTERVAL_MS = 300_000;

  /**
   * The stream threads' producers' {@code transaction.timeout.ms}: the user's under a pass-through prefix, else
   * {@link #PRODUCER_DEFAULTS}'.
   */
  public Duration transactionTimeout() {
    return Duration.ofMillis(clientSetting(passThrough, "transaction.timeout.ms", false));
  }

  /** The user's value of a client key under any pass-through prefix that reaches that client, or null. */
  private static String userClientSetting(Map<String, String> passThrough, String key, boolean consumer) {
    String[] prefixes = consumer
        ? new String[] {"streams.main.consumer.", "streams.consumer.", "consumer.", "streams.", "kafka."}
        : new String[] {"streams.producer.", "producer.", "streams.", "kafka."};
    for (String prefix : prefixes) {
      String v = passThrough.get(prefix + key);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The effective numeric value of a Streams client key: the user's, else ours, else Kafka Streams' default. */
  private static long clientSetting(Map<String, String> passThrough, String key, boolean consumer) {
    String v = userClientSetting(passThrough, key, consumer);
    if (v == null) {
      v = (consumer ? CONSUMER_DEFAULTS : PRODUCER_DEFAULTS).get(key);
    }
    if (v == null) {
      return key.equals("max.poll.interval.ms") ? STREAMS_MAX_POLL_INTERVAL_MS : 0;
    }
    return parseLong(key, v);
  }

  /** Input, output and dead-letter topic names and how to create them. */
  public record Topics(String input, String dense, String embeddings, String dlq, int partitions, short replication) {
    public Topics {
      input = nonBlank("topics.input", input);
      dense = nonBlank("topics.dense", dense);
      embeddings = nonBlank("topics.embeddings", embeddings);
      dlq = nonBlank("topics.dlq", dlq);
      require(partitions > 0, "topics.partitions must be positive but was " + partitions);
      require(replication > 0, "topics.replication must be positive but was " + replication);
      require(Set.of(input, dense, embeddings, dlq).size() == 4,
          "topics.input, topics.dense, topics.embeddings and topics.dlq must all differ but were "
              + input + ", " + dense + ", " + embeddings + ", " + dlq);
    }

    public static Topics defaults() {
      return new Topics("images", "features.dense", "features.embeddings", "images.dlq", 4, (short) 1);
    }
  }

  /**
   * Which model bundle to load and how to run it. {@code bundle} is {@code default} or a folder path.
   * {@code jpegScaledDecode} ({@code preprocess.jpeg.scaled.decode}, default true): decode baseline JPEGs at the
   * largest DCT scale (1/4, 1/8) that leaves the resize enough pixels; false for bit-for-bit full decoding.
   * {@code upsampleAnything}: the {@code model.upsample.anything.*} settings, used when {@code model.upsampler} is
   * {@code upsample-anything}.
   */
  public record Model(String bundle, String device, int inputSize, String upsampler, int threads, boolean spinning,
      int memoryPatternMaxSize, boolean jpegScaledDecode, UpsampleAnything upsampleAnything) {
    public Model {
      bundle = nonBlank("model.bundle", bundle);
      device = nonBlank("model.device", device);
      require(device.equals("cpu") || device.matches("cuda:\\d+"),
          "model.device must be 'cpu' or 'cuda:N' but was '" + device + "'");
      require(inputSize > 0, "model.input.size must be positive but was " + inputSize);
      upsampler = nonBlank("model.upsampler", upsampler);
      require(Set.of("onnx", "bilinear", "jbu", "nearest", "upsample-anything").contains(upsampler),
          "model.upsampler must be onnx, bilinear, jbu, nearest or upsample-anything but was '" + upsampler + "'");
      require(upsampleAnything != null, "model.upsample.anything.* settings must not be null");
      require(threads >= 0, "model.threads must not be negative but was " + threads);
      require(memoryPatternMaxSize >= 0,
          "model.memory.pattern.max.size must not be negative but was " + memoryPatternMaxSize);
    }

    /** With scaled JPEG decoding on and upstream's Upsample Anything settings. */
    public Model(String bundle, String device, int inputSize, String upsampler, int threads, boolean spinning,
        int memoryPatternMaxSize) {
      this(bundle, device, inputSize, upsampler, threads, spinning, memoryPatternMaxSize, true);
    }

    /** With ONNX Runtime's memory pattern on up to the default profile size (448; see {@code InferenceOptions}). */
    public Model(String bundle, String device, int inputSize, String upsampler, int threads, boolean spinning) {
      this(bundle, device, inputSize, upsampler, threads, spinning,
          dev.anyup.streams.models.InferenceOptions.DEFAULT_MEMORY_PATTERN_MAX_SIZE);
    }

    /** The models library's settings for the Upsample Anything upsampler, on {@code threads} threads (0 = all). */
    public dev.anyup.streams.models.UpsampleAnythingOptions upsampleAnythingOptions() {
      UpsampleAnything u = upsampleAnything;
      return new dev.anyup.streams.models.UpsampleAnythingOptions(u.steps(), u.learningRate(), u.finalLearningRate(),
          u.scheduleSteps(), u.radius(), threads, new dev.anyup.streams.models.UpsampleAnythingOptions.WarmStart(
              u.warmStart(), u.warmMaxSources(), u.warmMaxAge()));
    }

    /** With upstream's Upsample Anything settings. */
    public Model(String bundle, String device, int inputSize, String upsampler, int threads, boolean spinning,
        int memoryPatternMaxSize, boolean jpegScaledDecode) {
      this(bundle, device, inputSize, upsampler, threads, spinning, memoryPatternMaxSize, jpegScaledDecode,
          UpsampleAnything.defaults());
    }

    public static Model defaults() {
      return new Model("default", "cpu", 224, "onnx", 0, false);
    }
  }

  /**
   * {@code model.upsample.anything.*}: how the Upsample Anything upsampler fits its per-image kernel; the defaults are
   * the upstream code's (see docs/upsamplers.md).
   *
   * @param steps {@code model.upsample.anything.steps}: Adam steps per image, 1..10000 (51)
   * @param learningRate {@code model.upsample.anything.learning.rate}: Adam's initial rate, positive (0.1)
   * @param finalLearningRate {@code model.upsample.anything.final.learning.rate}: where the exponential decay ends,
   *     positive, at most the learning rate (1e-9)
   * @param scheduleSteps {@code model.upsample.anything.schedule.steps}: the decay's horizon in steps, positive (5100)
   * @param radius {@code model.upsample.anything.radius}: neighbour radius in feature cells, 1..32 (8); cost grows with
   *     its square
   * @param warmStart {@code model.upsample.anything.warm.start}: fit a frame from its source's previous kernel (not in
   *     upstream; see {@code UpsampleAnythingOptions.WarmStart})
   * @param warmMaxSources {@code model.upsample.anything.warm.max.sources}: sources whose kernel is kept, positive
   *     (1024)
   * @param warmMaxAge {@code model.upsample.anything.warm.max.age.ms}: a kept kernel is not used for a frame captured
   *     further than this from its own, positive (10 s)
   */
  public record UpsampleAnything(int steps, double learningRate, double finalLearningRate, int scheduleSteps,
      int radius, boolean warmStart, int warmMaxSources, Duration warmMaxAge) {
    public UpsampleAnything {
      int maxSteps = dev.anyup.streams.models.UpsampleAnythingOptions.MAX_STEPS;
      int maxRadius = dev.anyup.streams.models.UpsampleAnythingOptions.MAX_RADIUS;
      require(steps >= 1 && steps <= maxSteps,
          "model.upsample.anything.steps must be in 1.." + maxSteps + " but was " + steps);
      require(learningRate > 0 && !Double.isInfinite(learningRate),
          "model.upsample.anything.learning.rate must be positive but was " + learningRate);
      require(finalLearningRate > 0 && finalLearningRate <= learningRate,
          "model.upsample.anything.final.learning.rate must be positive and at most model.upsample.anything"
              + ".learning.rate (" + learningRate + ") but was " + finalLearningRate);
      require(scheduleSteps >= 1,
          "model.upsample.anything.schedule.steps must be positive but was " + scheduleSteps);
      require(radius >= 1 && radius <= maxRadius, "model.upsample.anything.radius must be in 1.." + maxRadius
          + " (each output pixel visits (2·radius+1)² cells per step) but was " + radius);
      require(warmMaxSources >= 1,
          "model.upsample.anything.warm.max.sources must be positive but was " + warmMaxSources);
      require(warmMaxAge != null && !warmMaxAge.isNegative() && !warmMaxAge.isZero(),
          "model.upsample.anything.warm.max.age.ms must be positive but was "
              + (warmMaxAge == null ? null : warmMaxAge.toMillis()));
    }

    /** With the default warm-start settings. */
    public UpsampleAnything(int steps, double learningRate, double finalLearningRate, int scheduleSteps, int radius) {
      this(steps, learningRate, finalLearningRate, scheduleSteps, radius, WARM_START_DEFAULT, 1024,
          Duration.ofSeconds(10));
    }

    /** Whether warm start is on unless configured (docs/upsamplers.md, "For streams: warm start": why). */
    static final boolean WARM_START_DEFAULT = false;

    public static UpsampleAnything defaults() {
      return new UpsampleAnything(51, 0.1, 1e-9, 5100, 8);
    }
  }

  /**
   * What is published: dense features (dtype, spatial size, optional PCA projection id) and/or embeddings (with an
   * optional k×k region grid). {@code denseSize} 0 means the upsampler's native output size. {@code denseInGraph}:
   * the projection and the FLOAT16 cast run inside the upsampler graph (appended when the bundle loads; ONNX
   * Runtime does them vectorised, and hands back half the bytes) instead of in Java on the stream thread.
   */
  public record Output(boolean denseEnabled, String denseDtype, int denseSize, String projection,
      boolean embeddingsEnabled, int regionsGrid, boolean denseInGraph) {
    public Output {
      denseDtype = nonBlank("output.dense.dtype", denseDtype).toUpperCase(Locale.ROOT);
      require(Set.of("FLOAT32", "FLOAT16", "INT8").contains(denseDtype),
          "output.dense.dtype must be FLOAT32, FLOAT16 or INT8 but was '" + denseDtype + "'");
      require(denseSize >= 0, "output.dense.size must not be negative but was " + denseSize);
      projection = nonBlank("output.projection", projection);
      require(regionsGrid >= 0, "output.regions.grid must not be negative but was " + regionsGrid);
      require(denseEnabled || embeddingsEnabled,
          "at least one of output.dense.enabled and output.embeddings.enabled must be true");
    }

    /** The projection id, or {@code null} for none. */
    public String projectionId() {
      return projection.equals("none") ? null : projection;
    }

    public static Output defaults() {
      return new Output(true, "FLOAT16", 0, "none", true, 0, true);
    }

    /**
     * What of the dense output's encoding the upsampler graph does: the projection and/or the FLOAT16 cast when the
     * dense output is on, at the upsampler's native size, and {@code output.dense.in.graph} is true; else none.
     */
    public dev.anyup.streams.models.OutputHead head() {
      if (!denseEnabled || !denseInGraph || denseSize != 0) {
        return dev.anyup.streams.models.OutputHead.none();
      }
      return new dev.anyup.streams.models.OutputHead(dev.anyup.streams.models.DType.valueOf(denseDtype),
          projectionId(), regionsGrid > 0);
    }
  }

  /** The shared dynamic batcher: most images per model call, longest a request waits for company, worker threads. */
  public record Batch(int maxSize, Duration maxWait, int workers, Duration timeout) {
    public Batch {
      require(maxSize > 0, "batch.max.size must be positive but was " + maxSize);
      require(maxWait != null && !maxWait.isNegative(), "batch.max.wait.ms must not be negative but was " + maxWait);
      require(workers >= 0, "batch.workers must not be negative but was " + workers + " (0 = automatic)");
      require(timeout != null && !timeout.isNegative() && !timeout.isZero(),
          "batch.timeout.ms must be positive but was " + timeout);
    }

    public static Batch defaults() {
      return new Batch(8, Duration.ZERO, 0, Duration.ofSeconds(120));
    }
  }

  /**
   * Input limits, all checked before anything of that size is allocated; a record over one is dead-lettered.
   *
   * @param maxImageBytes {@code limits.image.max.bytes}: largest encoded image, and the largest length any field of
   *     an input {@code ImageEvent} may declare (stage deserialize, reason TOO_LARGE; stage decode, TOO_MANY_BYTES)
   * @param maxImagePixels {@code limits.image.max.pixels}: largest width × height, read from the image header
   *     (stage decode, TOO_MANY_PIXELS)
   * @param maxImageSide {@code limits.image.max.side}: largest width or height (stage decode, BAD_DIMENSIONS)
   */
  public record Limits(int maxImageBytes, long maxImagePixels, int maxImageSide) {
    public Limits {
      require(maxImageBytes > 0, "limits.image.max.bytes must be positive but was " + maxImageBytes);
      require(maxImagePixels > 0, "limits.image.max.pixels must be positive but was " + maxImagePixels);
      require(maxImageSide > 0, "limits.image.max.side must be positive but was " + maxImageSide);
    }

    /** The decoder's defaults ({@code ImageLimits.defaults()}): 20 MiB, 50,000,000 pixels, 65,535 per side. */
    public static Limits defaults() {
      ImageLimits d = ImageLimits.defaults();
      return new Limits(Math.toIntExact(d.maxEncodedBytes()), d.maxPixels(), d.maxWidth());
    }

    /** The decoder limits these settings describe. */
    public ImageLimits imageLimits() {
      return new ImageLimits(maxImageBytes, maxImagePixels, maxImageSide, maxImageSide);
    }
  }

  /**
   * What {@code /ready} requires beyond Kafka Streams being RUNNING.
   *
   * @param threadDeathWindow {@code readiness.thread.death.window.ms}: {@code /ready} answers 503 until this long has
   *     passed since a stream thread last died and was replaced, so a thread dying in a loop (each replacement
   *     re-reads the record that killed its predecessor) keeps the instance unready; longer than one loop (a
   *     replacement rejoins within seconds, a stuck rebalance in tens of seconds)
   * @param rebalanceGrace {@code readiness.rebalance.grace.ms}: how long the client may be out of RUNNING (a
   *     rebalance, usually a second or two) or own no input partition before {@code /ready} says 503; shorter
   *     absences are normal and keep the instance ready, so a probe does not restart healthy pods on every join
   * @param progressTimeout {@code readiness.progress.timeout.ms}: {@code /ready} is 503 while an owned input partition
   *     has records beyond its committed offset and the committed offset has not moved for this long (a stall);
   *     an owned partition with nothing to read is legitimately idle. Longer than the worst normal pause: a failover
   *     after a SIGKILL (session plus transaction timeout, about 10-15 s) and a few model calls
   */
  public record Readiness(Duration threadDeathWindow, Duration rebalanceGrace, Duration progressTimeout) {
    public Readiness {
      requirePositive("readiness.thread.death.window.ms", threadDeathWindow);
      requirePositive("readiness.rebalance.grace.ms", rebalanceGrace);
      requirePositive("readiness.progress.timeout.ms", progressTimeout);
    }

    public static Readiness defaults() {
      return new Readiness(Duration.ofMinutes(2), Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    private static void requirePositive(String key, Duration d) {
      require(d != null && !d.isNegative() && !d.isZero(),
          key + " must be positive but was " + (d == null ? null : d.toMillis()));
    }
  }

  /**
   * What an instance does for a dead one's work ({@code failover.*}).
   *
   * @param fenceExpiredTransactions {@code failover.fence.expired.transactions}: after a rebalance, abort this
   *     application's transactions that are open longer than their {@code transaction.timeout.ms} instead of waiting
   *     for the broker's periodic check (up to {@code transaction.abort.timed.out.transaction.cleanup.interval.ms},
   *     10 s by default, later); see {@code ExpiredTransactionFencer}
   */
  public record Failover(boolean fenceExpiredTransactions) {
    public static Failover defaults() {
      return new Failover(true);
    }
  }

  /**
   * The web console ({@code console.*}): off by default; when on, a read-only page and JSON API on its own HTTP
   * server bound to {@code console.bind} (loopback by default, so images are not exposed to the network unless asked)
   * and {@code console.port}, showing the latest {@code console.recent.per.source} outputs of each source. With
   * {@code console.similar.enabled} (default on) it follows the committed embeddings topic into an index of at most
   * {@code console.similar.max.embeddings} (oldest dropped first) for similar-image search; {@code
   * console.upload.enabled} (default off: the console is read-only) lets it embed uploaded images. It renders at
   * most {@code console.render.max.per.second} feature pictures (a render costs about as much CPU as a small model).
   */
  public record Console(boolean enabled, String bind, int port, int recentPerSource, boolean similar,
      int similarMaxEmbeddings, boolean upload, int renderMaxPerSecond, boolean concepts) {
    /** Upper bound on {@code console.similar.max.embeddings}: 10 million 384-d vectors are 15 GB of heap. */
    public static final int MAX_SIMILAR_EMBEDDINGS = 10_000_000;

    public Console {
      require(bind != null && !bind.isBlank(), "console.bind must not be blank but was '" + bind + "'");
      require(port >= 0 && port <= 65535, "console.port must be in [0, 65535] but was " + port);
      require(recentPerSource >= 1 && recentPerSource <= 64,
          "console.recent.per.source must be in [1, 64] but was " + recentPerSource);
      require(similarMaxEmbeddings >= 1 && similarMaxEmbeddings <= MAX_SIMILAR_EMBEDDINGS,
          "console.similar.max.embeddings must be in [1, " + MAX_SIMILAR_EMBEDDINGS + "] but was "
              + similarMaxEmbeddings);
      require(renderMaxPerSecond >= 1 && renderMaxPerSecond <= 1000,
          "console.render.max.per.second must be in [1, 1000] but was " + renderMaxPerSecond);
      require(!upload || similar, "console.upload.enabled needs console.similar.enabled (an upload is searched in "
          + "the console's index) but console.similar.enabled was false");
    }

    public Console(boolean enabled, String bind, int port, int recentPerSource, boolean similar,
        int similarMaxEmbeddings, boolean upload, int renderMaxPerSecond) {
      this(enabled, bind, port, recentPerSource, similar, similarMaxEmbeddings, upload, renderMaxPerSecond, false);
    }

    public Console(boolean enabled, String bind, int port, int recentPerSource) {
      this(enabled, bind, port, recentPerSource, true, 100_000, false, 2, false);
    }

    public static Console defaults() {
      return new Console(false, "127.0.0.1", 8070, 8);
    }
  }

  /**
   * Segmentation heads ({@code segmentation.*}): off by default ({@code segmentation.head: none}), so existing outputs
   * do not change. {@code probe} labels every pixel with a linear probe read from {@code segmentation.probe.file}
   * (the format of {@link dev.anyup.streams.models.segmentation.ProbeFile}; a relative path is resolved against the
   * bundle folder); {@code concepts} labels pixels by similarity to the live concepts in the compacted topic
   * {@code segmentation.concepts.topic}. Label maps go to {@code segmentation.topic} as {@code SegmentationMap}
   * records, with a confidence PNG when {@code segmentation.confidence.enabled}.
   */
  public record Segmentation(String head, String topic, String probeFile, String conceptsTopic, boolean confidence) {
    public static final Set<String> HEADS = Set.of("none", "probe", "concepts");

    public Segmentation {
      head = nonBlank("segmentation.head", head).toLowerCase(Locale.ROOT);
      require(HEADS.contains(head), "segmentation.head must be one of none, probe, concepts but was '" + head + "'");
      topic = nonBlank("segmentation.topic", topic);
      conceptsTopic = nonBlank("segmentation.concepts.topic", conceptsTopic);
      probeFile = probeFile == null ? "" : probeFile.trim();
      require(!head.equals("probe") || !probeFile.isEmpty(),
          "segmentation.head probe needs segmentation.probe.file (a probe JSON file) but it was not set");
    }

    /** Whether a head runs and label maps are published. */
    public boolean enabled() {
      return !head.equals("none");
    }

    public static Segmentation defaults() {
      return new Segmentation("none", "features.segments", "", "segmentation.concepts", false);
    }
  }

  /**
   * The output head the bundle is loaded with: {@link Output#head()}, but keeping the full 32-bit upsampled map when a
   * segmentation head is on (the probe and the concepts label the upsampled features, not the dense output).
   */
  public dev.anyup.streams.models.OutputHead outputHead() {
    dev.anyup.streams.models.OutputHead head = output.head();
    // the probe runs inside the upsampler graph (InferenceOptions.probe) and needs no 32-bit map out of it; the
    // concepts change live, so they label the map in Java
    if (!segmentation.head().equals("concepts") || head.keepUpsampled()) {
      return head;
    }
    return new dev.anyup.streams.models.OutputHead(head.dtype(), head.projectionId(), true);
  }

  /**
   * {@code serve}'s HTTP server and state ({@code serve.*}); its command-line options override these.
   *
   * @param bind {@code serve.bind}: loopback by default (it answers with image ids and embeddings)
   * @param port {@code serve.port}: 0 = any free port
   * @param stateDir {@code serve.state.dir}: empty = {@code streams.state.dir} when set, else a folder specific to
   *     the application id and the cluster (see {@code RetrievalService})
   */
  public record Serve(String bind, int port, String stateDir) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8090;

    public Serve {
      require(bind != null && !bind.isBlank(), "serve.bind must not be blank but was '" + bind + "'");
      bind = bind.trim();
      require(port >= 0 && port <= 65535, "serve.port must be in [0, 65535] but was " + port);
      stateDir = stateDir == null ? "" : stateDir.trim();
    }

    public static Serve defaults() {
      return new Serve(DEFAULT_BIND, DEFAULT_PORT, "");
    }

    /** {@code serve.state.dir}, or null when it is not set. */
    public java.nio.file.Path stateDirPath() {
      return stateDir.isEmpty() ? null : java.nio.file.Path.of(stateDir);
    }
  }

  /** A configuration with every default and the given connection endpoints (tests, demo). */
  public static AppConfig defaults(String bootstrapServers, String schemaRegistryUrl) {
    return new AppConfig(DEFAULT_APPLICATION_ID, bootstrapServers, schemaRegistryUrl, Topics.defaults(),
        Model.defaults(), Output.defaults(), Batch.defaults(), Limits.defaults(), Readiness.defaults(),
        FramePolicy.off(), Console.defaults(), Segmentation.defaults(), DEFAULT_HTTP_PORT, Map.of());
  }

  /**
   * Builds a configuration from flat dotted keys (already merged from file and environment). A key is one of
   * {@link ConfigKeys#DEF} (read with its type; unset or blank = its default) or under a pass-through prefix; any
   * other is rejected by name, so a typo does not silently fall back to a default.
   */
  public static AppConfig fromMap(Map<String, String> raw) {
    Map<String, String> typed = new TreeMap<>();
    Map<String, String> pass = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey().trim();
      String value = e.getValue() == null ? "" : e.getValue();
      if (key.equals(TEMP_DIR_KEY)) {
        if (!value.isBlank()) {
          pass.put(key, value.trim());
        }
      } else if (ConfigKeys.DEF.key(key) != null) {
        typed.put(key, value.trim());
      } else if (PASS_THROUGH_PREFIXES.stream().anyMatch(key::startsWith)) {
        pass.put(key, e.getValue());
      } else {
        throw new ConfigException("unknown configuration key '" + key + "' (every key: anyup-streams config, or "
            + "docs/configuration.md; client settings go under the prefixes " + new TreeSet<>(PASS_THROUGH_PREFIXES)
            + ")");
      }
    }
    Reader r = new Reader(typed);
    return new AppConfig(
        r.string("application.id"),
        r.string("bootstrap.servers"),
        r.string("schema.registry.url"),
        new Topics(r.string("topics.input"), r.string("topics.dense"), r.string("topics.embeddings"),
            r.string("topics.dlq"), r.integer("topics.partitions"), shortValue(r, "topics.replication")),
        new Model(r.string("model.bundle"), r.string("model.device"), r.integer("model.input.size"),
            r.string("model.upsampler"), r.integer("model.threads"), r.bool("model.spinning"),
            r.integer("model.memory.pattern.max.size"), r.bool("preprocess.jpeg.scaled.decode"),
            new UpsampleAnything(r.integer("model.upsample.anything.steps"),
                r.decimal("model.upsample.anything.learning.rate"),
                r.decimal("model.upsample.anything.final.learning.rate"),
                r.integer("model.upsample.anything.schedule.steps"), r.integer("model.upsample.anything.radius"),
                r.bool("model.upsample.anything.warm.start"), r.integer("model.upsample.anything.warm.max.sources"),
                Duration.ofMillis(r.longValue("model.upsample.anything.warm.max.age.ms")))),
        new Output(r.bool("output.dense.enabled"), r.string("output.dense.dtype"), r.integer("output.dense.size"),
            r.string("output.projection"), r.bool("output.embeddings.enabled"), r.integer("output.regions.grid"),
            r.bool("output.dense.in.graph")),
        new Batch(r.integer("batch.max.size"), Duration.ofMillis(r.integer("batch.max.wait.ms")),
            r.integer("batch.workers"), Duration.ofMillis(r.integer("batch.timeout.ms"))),
        new Limits(r.integer("limits.image.max.bytes"), r.longValue("limits.image.max.pixels"),
            r.integer("limits.image.max.side")),
        new Readiness(Duration.ofMillis(r.longValue("readiness.thread.death.window.ms")),
            Duration.ofMillis(r.longValue("readiness.rebalance.grace.ms")),
            Duration.ofMillis(r.longValue("readiness.progress.timeout.ms"))),
        frames(r),
        new Console(r.bool("console.enabled"), r.string("console.bind"), r.integer("console.port"),
            r.integer("console.recent.per.source"), r.bool("console.similar.enabled"),
            r.integer("console.similar.max.embeddings"), r.bool("console.upload.enabled"),
            r.integer("console.render.max.per.second"), r.bool("console.concepts.enabled")),
        new Segmentation(r.string("segmentation.head"), r.string("segmentation.topic"),
            r.string("segmentation.probe.file"), r.string("segmentation.concepts.topic"),
            r.bool("segmentation.confidence.enabled")),
        r.integer("http.port"),
        pass,
        r.string("http.bind"),
        new Serve(r.string("serve.bind"), r.integer("serve.port"), r.string("serve.state.dir")),
        httpLimits(r),
        new Failover(r.bool("failover.fence.expired.transactions")));
  }

  private static short shortValue(Reader r, String key) {
    int v = r.integer(key);
    require(v >= Short.MIN_VALUE && v <= Short.MAX_VALUE, key + " must be at most " + Short.MAX_VALUE + " but was " + v);
    return (short) v;
  }

  /** The {@code http.*} limits, each checked with a message naming its key (HttpLimits' own do not). */
  private static HttpLimits httpLimits(Reader r) {
    return new HttpLimits(positiveMillis(r, "http.header.timeout.ms"), positiveMillis(r, "http.body.timeout.ms"),
        positiveMillis(r, "http.idle.timeout.ms"), between(r, "http.max.connections", 1, 100_000),
        between(r, "http.workers", 1, 1_000), positiveMillis(r, "http.queue.timeout.ms"));
  }

  private static Duration positiveMillis(Reader r, String key) {
    long v = r.longValue(key);
    require(v > 0, key + " must be positive but was " + v);
    return Duration.ofMillis(v);
  }

  private static int between(Reader r, String key, int min, int max) {
    int v = r.integer(key);
    require(v >= min && v <= max, key + " must be in [" + min + ", " + max + "] but was " + v);
    return v;
  }

  /** {@value #TEMP_DIR_KEY}: default {@code ${java.io.tmpdir}/anyup-streams}, one folder reused by every start. */
  public java.nio.file.Path tempDir() {
    String dir = passThrough.get(TEMP_DIR_KEY);
    return dir != null ? java.nio.file.Path.of(dir)
        : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "anyup-streams");
  }

  private static FramePolicy frames(Reader r) {
    try {
      return new FramePolicy(Duration.ofMillis(r.longValue("frames.max.age.ms")),
          Duration.ofMillis(r.longValue("frames.min.interval.ms")), r.string("frames.skipped.topic"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** A copy with other pass-through entries merged in (later wins), e.g. a computed {@code producer.max.request.size}. */
  public AppConfig withPassThrough(Map<String, String> extra) {
    Map<String, String> merged = new LinkedHashMap<>(passThrough);
    merged.putAll(extra);
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits,
        readiness, frames, console, segmentation, httpPort, merged, httpBind, serve, httpLimits, failover);
  }

  /** A copy with another HTTP port (0 = any free port). */
  public AppConfig withHttpPort(int port) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits,
        readiness, frames, console, segmentation, port, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with other image limits (the memory admission may lower {@code limits.image.max.pixels}). */
  public AppConfig withLimits(Limits newLimits) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, newLimits,
        readiness, frames, console, segmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with other output settings. */
  public AppConfig withOutput(Output newOutput) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, newOutput, batch, limits,
        readiness, frames, console, segmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with other batch settings. */
  public AppConfig withBatch(Batch newBatch) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, newBatch, limits,
        readiness, frames, console, segmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with other console settings. */
  public AppConfig withConsole(Console newConsole) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits,
        readiness, frames, newConsole, segmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with other segmentation settings. */
  public AppConfig withSegmentation(Segmentation newSegmentation) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits,
        readiness, frames, console, newSegmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /** A copy with another frame policy. */
  public AppConfig withFrames(FramePolicy newFrames) {
    return new AppConfig(applicationId, bootstrapServers, schemaRegistryUrl, topics, model, output, batch, limits,
        readiness, newFrames, console, segmentation, httpPort, passThrough, httpBind, serve, httpLimits, failover);
  }

  /**
   * Number of stream threads; they share one batcher and each has one image in flight, so this bounds the model batch.
   * {@code streams.num.stream.threads} when set; else, on a GPU ({@code model.device} {@code cuda:N}),
   * {@link #gpuStreamThreads}; else 2. (Two threads per model call on a CPU, so that one image is ready while the
   * other thread waits for its commit, were measured on the real DINOv2 + AnyUp pair and gained nothing once the
   * producer's send buffer was fixed: 1.25 vs 1.23 images/s, ABBA; BENCHMARKS.md "the pipeline's own cost".)
   */
  public int streamThreads() {
    String v = passThrough.get("streams.num.stream.threads");
    if (v != null) {
      return parseInt("streams.num.stream.threads", v);
    }
    return model.device().startsWith("cuda:") ? gpuStreamThreads(batch) : DEFAULT_STREAM_THREADS;
  }


  /** Whether the user set {@code streams.num.stream.threads}. */
  public boolean streamThreadsExplicit() {
    return passThrough.containsKey("streams.num.stream.threads");
  }

  /**
   * The GPU default: {@code batch.max.size × (batch.workers + 1)} stream threads, enough callers to fill a full batch
   * for every worker and to have the next full batch decoded and queued while those run, so the GPU never waits for
   * the CPU stages of the following batch (8 → 16 threads with one worker).
   */
  public static int gpuStreamThreads(Batch batch) {
    return Math.multiplyExact(batch.maxSize(), (batch.workers() > 0 ? batch.workers() : 1) + 1);
  }

  /**
   * How the cores are divided: {@code workers} model calls at once ({@code batch.workers}) × {@code threads} ONNX
   * Runtime threads each ({@code model.threads}; 0 = the runtime's default). A value the user set is kept. Unset, on a
   * GPU: one call at a time, the runtime's threads. Unset, on a CPU with {@code cores} cores: one call per stream
   * thread (each has one image in flight), at most one per core, and the cores split between them — measured on the
   * real DINOv2 + AnyUp pair, two single-threaded calls do ~1.7× the images/s of one call with the runtime's threads
   * on 2 cores (BENCHMARKS.md, "the pipeline's own cost").
   */
  public record CpuBudget(int workers, int threads, int cores) {
    @Override
    public String toString() {
      return workers + " model call(s) at once x " + (threads == 0 ? "ONNX Runtime's default" : threads)
          + " ONNX Runtime thread(s) each, on " + cores + " core(s)";
    }
  }

  /** The {@link CpuBudget} of this configuration on this machine ({@link Runtime#availableProcessors}). */
  public CpuBudget cpuBudget() {
    return cpuBudget(Runtime.getRuntime().availableProcessors());
  }

  /** The {@link CpuBudget} of this configuration on a machine with {@code cores} cores. */
  public CpuBudget cpuBudget(int cores) {
    boolean gpu = model.device().startsWith("cuda:");
    int workers = batch.workers() > 0 ? batch.workers() : gpu ? 1 : Math.max(1, Math.min(streamThreads(), cores));
    int threads = model.threads() > 0 ? model.threads() : gpu ? 0 : Math.max(1, cores / workers);
    return new CpuBudget(workers, threads, cores);
  }

  /** Whether exactly-once (v2) processing is on (the default). */
  public boolean exactlyOnce() {
    return passThrough.getOrDefault("streams.processing.guarantee", "exactly_once_v2").equals("exactly_once_v2");
  }

  /**
   * The producer's {@code max.request.size}: the configured {@code producer.max.request.size} or
   * {@code kafka.max.request.size}, else Kafka's default (1 MiB).
   */
  public int maxRequestSize() {
    String v = passThrough.getOrDefault("producer.max.request.size",
        passThrough.getOrDefault("streams.producer.max.request.size", passThrough.get("kafka.max.request.size")));
    return v == null ? 1024 * 1024 : parseInt("producer.max.request.size", v);
  }

  /** Whether the user set the producer's {@code max.request.size} explicitly. */
  public boolean maxRequestSizeExplicit() {
    return passThrough.containsKey("producer.max.request.size")
        || passThrough.containsKey("streams.producer.max.request.size")
        || passThrough.containsKey("kafka.max.request.size");
  }

  /**
   * The producer's {@code buffer.memory} as configured ({@code producer.}, {@code streams.producer.} or
   * {@code kafka.} prefix), or -1 when not set (Kafka's default, 32 MiB, then applies).
   */
  public long bufferMemory() {
    String v = passThrough.getOrDefault("producer.buffer.memory",
        passThrough.getOrDefault("streams.producer.buffer.memory", passThrough.get("kafka.buffer.memory")));
    return v == null ? -1 : parseLong("producer.buffer.memory", v);
  }

  /** Kafka Streams properties: defaults, then {@code kafka.*}, then {@code streams.*} (producer/consumer prefixed). */
  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put("application.id", applicationId);
    p.put("bootstrap.servers", bootstrapServers);
    p.put("processing.guarantee", "exactly_once_v2");
    p.put("num.stream.threads", Integer.toString(streamThreads()));
    // KIP-1034: the built-in handlers write to our dead-letter topic too (backstop for failures outside our processor)
    p.put("errors.dead.letter.queue.topic.name", topics.dlq());
    // our processing exception handler for global-store processing too (there is none in this topology), as Kafka 5.0
    // will do by default; without it Kafka Streams warns that it is not enabled for the GlobalThread, once for the
    // client and once per stream thread (each thread's partition assignor reads its StreamsConfig from the main
    // consumer's settings, hence the main.consumer. copy)
    p.put("processing.exception.handler.global.enabled", "true");
    p.put("main.consumer.processing.exception.handler.global.enabled", "true");
    CONSUMER_DEFAULTS.forEach((k, v) -> {
      if (userClientSetting(passThrough, k, true) == null) {
        p.put("main.consumer." + k, v);
      }
    });
    PRODUCER_DEFAULTS.forEach((k, v) -> {
      if (userClientSetting(passThrough, k, false) == null) {
        p.put("producer." + k, v);
      }
    });
    p.putAll(strip("kafka."));
    p.putAll(strip("streams."));
    strip("producer.").forEach((k, v) -> p.put("producer." + k, v));
    strip("consumer.").forEach((k, v) -> p.put("consumer." + k, v));
    strip("admin.").forEach((k, v) -> p.put("admin." + k, v));
    return p;
  }

  /**
   * Plain producer properties (the {@code produce} command, tests): the OS-autotuned send buffer (see
   * {@link #CONSUMER_DEFAULTS}' notes: a big image is copied once per socket write), then {@code kafka.*}, then
   * {@code producer.*}.
   */
  public Properties producerProperties() {
    Properties p = clientProperties("producer.");
    p.putIfAbsent("send.buffer.bytes", PRODUCER_DEFAULTS.get("send.buffer.bytes"));
    return p;
  }

  /** Plain consumer properties ({@code inspect}, demo): {@code kafka.*} then {@code consumer.*}. */
  public Properties consumerProperties() {
    return clientProperties("consumer.");
  }

  /** Admin client properties: {@code kafka.*} then {@code admin.*}. */
  public Properties adminProperties() {
    return clientProperties("admin.");
  }

  /** Serde configuration: {@code schema.registry.url} plus every {@code schema.registry.*} key verbatim. */
  public Map<String, Object> serdeConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema.registry.url", schemaRegistryUrl);
    passThrough.forEach((k, v) -> {
      if (k.startsWith("schema.registry.")) {
        m.put(k, v);
      }
    });
    // Confluent's serde keys that do not start with schema.registry. are accepted under that prefix too
    passThrough.forEach((k, v) -> {
      if (k.startsWith("schema.registry.") && SERDE_KEYS.contains(k.substring("schema.registry.".length()))) {
        m.put(k.substring("schema.registry.".length()), v);
      }
    });
    return m;
  }

  private static final Set<String> SERDE_KEYS = Set.of("auto.register.schemas", "use.latest.version",
      "basic.auth.credentials.source", "basic.auth.user.info", "bearer.auth.token", "bearer.auth.credentials.source",
      "value.subject.name.strategy", "key.subject.name.strategy");

  private Properties clientProperties(String prefix) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers);
    p.putAll(strip("kafka."));
    p.putAll(strip(prefix));
    return p;
  }

  private Map<String, String> strip(String prefix) {
    Map<String, String> m = new LinkedHashMap<>();
    passThrough.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        m.put(k.substring(prefix.length()), v);
      }
    });
    return m;
  }

  /** Whether a key names a secret whose value must never be printed. */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  /** SASL/SSL settings that describe rather than authenticate; every other {@code sasl.*}/{@code ssl.*} is hidden. */
  private static final Set<String> SECURITY_DESCRIPTORS = Set.of("sasl.mechanism", "ssl.protocol",
      "ssl.enabled.protocols", "ssl.endpoint.identification.algorithm", "ssl.truststore.type", "ssl.keystore.type",
      "ssl.truststore.location", "ssl.keystore.location", "sasl.kerberos.service.name");
  /** A value shaped like a secret whatever its key is called: a JAAS line, or a {@code password=} assignment. */
  private static final Pattern SECRET_VALUE =
      Pattern.compile("(?is).*(LoginModule|password\\s*=|secret\\s*=|token\\s*=).*");

  /**
   * Whether the value of {@code key} must be hidden in logs: a secret's key ({@link #isSecret}), any SASL/SSL setting
   * but a few descriptive ones (a mistyped {@code kafka.sasl.jass.config} is still under {@code sasl.}), or a value
   * that looks like a JAAS string or a credential assignment, whatever the key.
   */
  public static boolean hides(String key, Object value) {
    if (isSecret(key)) {
      return true;
    }
    for (String prefix : PASS_THROUGH_PREFIXES) {
      if (key.startsWith(prefix)) {
        key = key.substring(prefix.length());
        break;
      }
    }
    for (String prefix : List.of("producer.", "consumer.", "main.consumer.", "restore.consumer.", "global.consumer.",
        "admin.")) {
      if (key.startsWith(prefix)) {
        key = key.substring(prefix.length());
      }
    }
    if ((key.startsWith("sasl.") || key.startsWith("ssl.")) && !SECURITY_DESCRIPTORS.contains(key)) {
      return true;
    }
    return value != null && SECRET_VALUE.matcher(String.valueOf(value)).matches();
  }

  /** Masks secret values in a property map (for logs): see {@link #hides}; URLs keep their host, not user info. */
  public static Map<String, Object> masked(Map<?, ?> props) {
    Map<String, Object> m = new TreeMap<>();
    props.forEach((k, v) -> {
      String key = String.valueOf(k);
      m.put(key, hides(key, v) ? "[hidden]" : v instanceof String s ? maskUrl(s) : v);
    });
    return m;
  }

  @Override
  public String toString() {
    return "AppConfig[applicationId=" + applicationId + ", bootstrapServers=" + bootstrapServers
        + ", schemaRegistryUrl=" + maskUrl(schemaRegistryUrl) + ", topics=" + topics + ", model=" + model
        + ", output=" + output + ", batch=" + batch + ", limits=" + limits + ", readiness=" + readiness
        + ", frames=" + frames + ", console=" + console + ", segmentation=" + segmentation
        + ", httpPort=" + httpPort + ", httpBind=" + httpBind + ", serve=" + serve + ", httpLimits=" + httpLimits
        + ", passThrough=" + masked(passThrough) + "]";
  }

  private static String maskUrl(String url) {
    return url.replaceAll("//[^/@]+@", "//[hidden]@");
  }

  private static String nonBlank(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key + " must be set");
    }
    return value.trim();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer but was '" + v + "'", e);
    }
  }

  private static long parseLong(String key, String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer but was '" + v + "'", e);
    }
  }

  /**
   * Typed reads of raw string values, naming the key on failure; an unset or blank key reads as its default in
   * {@link ConfigKeys#DEF} (null for a required key, which the record then refuses by name).
   */
  private record Reader(Map<String, String> raw) {
    String string(String key) {
      String v = raw.get(key);
      return v == null || v.isEmpty() ? def(key, ConfigDef.Type.STRING).defaultValue() : v;
    }

    int integer(String key) {
      return parse(key, ConfigDef.Type.INT, Integer::parseInt, "an integer");
    }

    double decimal(String key) {
      return parse(key, ConfigDef.Type.DOUBLE, Double::parseDouble, "a number");
    }

    long longValue(String key) {
      return parse(key, ConfigDef.Type.LONG, Long::parseLong, "an integer");
    }

    boolean bool(String key) {
      return parse(key, ConfigDef.Type.BOOLEAN, v -> {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
          return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(v);
      }, "true or false");
    }

    private static ConfigDef.Key def(String key, ConfigDef.Type type) {
      ConfigDef.Key k = ConfigKeys.DEF.key(key);
      if (k == null || k.type() != type) {
        throw new IllegalStateException("read " + key + " as " + type.label() + " but ConfigKeys defines "
            + (k == null ? "no such key" : "it as " + k.type().label()));
      }
      return k;
    }

    private <T> T parse(String key, ConfigDef.Type type, Function<String, T> parser, String what) {
      String dflt = def(key, type).defaultValue();
      String v = raw.get(key);
      if (v == null || v.isEmpty()) {
        return parser.apply(dflt);
      }
      try {
        return parser.apply(v);
      } catch (RuntimeException e) {
        throw new ConfigException(key + " must be " + what + " but was '" + v + "'", e);
      }
    }
  }
}
