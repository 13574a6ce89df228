package dev.anyup.streams.topology;

import static dev.anyup.streams.topology.ConfigDef.Allowed.atLeast;
import static dev.anyup.streams.topology.ConfigDef.Allowed.between;
import static dev.anyup.streams.topology.ConfigDef.Allowed.oneOf;
import static dev.anyup.streams.topology.ConfigDef.Type.BOOLEAN;
import static dev.anyup.streams.topology.ConfigDef.Type.DOUBLE;
import static dev.anyup.streams.topology.ConfigDef.Type.INT;
import static dev.anyup.streams.topology.ConfigDef.Type.LONG;
import static dev.anyup.streams.topology.ConfigDef.Type.STRING;

import dev.anyup.streams.http.HttpLimits;
import dev.anyup.streams.topology.AppConfig.Batch;
import dev.anyup.streams.topology.AppConfig.Console;
import dev.anyup.streams.topology.AppConfig.Limits;
import dev.anyup.streams.topology.AppConfig.Model;
import dev.anyup.streams.topology.AppConfig.Output;
import dev.anyup.streams.topology.AppConfig.Readiness;
import dev.anyup.streams.topology.AppConfig.Segmentation;
import dev.anyup.streams.topology.AppConfig.Serve;
import dev.anyup.streams.topology.AppConfig.Topics;
import dev.anyup.streams.topology.frames.FramePolicy;

/**
 * Every configuration key of the app, defined once (name, type, default, allowed values, doc, section). The defaults
 * are read from the records' {@code defaults()}, so a record and its keys cannot disagree. To add a key: define it
 * here, read it in {@link AppConfig#fromMap}, and regenerate {@code docs/configuration.md} (the command is at the top
 * of that file).
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  private static final Topics TOPICS = Topics.defaults();
  private static final Model MODEL = Model.defaults();
  private static final AppConfig.UpsampleAnything UA = AppConfig.UpsampleAnything.defaults();
  private static final Output OUTPUT = Output.defaults();
  private static final Batch BATCH = Batch.defaults();
  private static final Limits LIMITS = Limits.defaults();
  private static final Readiness READINESS = Readiness.defaults();
  private static final AppConfig.Failover FAILOVER = AppConfig.Failover.defaults();
  private static final FramePolicy FRAMES = FramePolicy.off();
  private static final Console CONSOLE = Console.defaults();
  private static final Segmentation SEGMENTATION = Segmentation.defaults();
  private static final Serve SERVE = Serve.defaults();
  private static final HttpLimits HTTP = HttpLimits.defaults();

  /** The app's keys. */
  public static final ConfigDef DEF = new ConfigDef()
      .section("Cluster", "Where the app runs and how instances of one deployment find each other.")
      .define("application.id", STRING, AppConfig.DEFAULT_APPLICATION_ID,
          "Kafka Streams application id: every instance of one deployment shares it (scale-out = more instances); "
              + "also the prefix of internal topics and of `serve`'s default id (`<application.id>-retrieval`).")
      .define("bootstrap.servers", STRING, null, "Kafka brokers, `host:port[,host:port...]`.")
      .define("schema.registry.url", STRING, null,
          "Confluent-compatible Schema Registry URL (its auth and serde keys go under `schema.registry.`).")

      .section("Topics", "Topic names and how the app creates missing ones at start-up.")
      .define("topics.input", STRING, TOPICS.input(), "Input topic of `ImageEvent` records.")
      .define("topics.dense", STRING, TOPICS.dense(), "Output topic of `DenseFeatures` records.")
      .define("topics.embeddings", STRING, TOPICS.embeddings(), "Output topic of `ImageEmbedding` records.")
      .define("topics.dlq", STRING, TOPICS.dlq(),
          "Dead-letter topic: every input that fails, with its original bytes and the reason.")
      .define("topics.partitions", INT, Integer.toString(TOPICS.partitions()), atLeast(1),
          "Partitions of topics the app creates (existing topics are left as they are).")
      .define("topics.replication", INT, Integer.toString(TOPICS.replication()), atLeast(1),
          "Replication factor of topics the app creates; 3 on a production cluster.")

      .section("Model", "Which model bundle runs, where, and how it uses the cores.")
      .define("model.bundle", STRING, MODEL.bundle(),
          "`default` (the bundle in the jar) or the folder of a model bundle (manifest + ONNX graphs).")
      .define("model.device", STRING, MODEL.device(), oneOf("cpu", "cuda:N"),
          "ONNX Runtime's execution provider: the CPU, or CUDA device N (needs the GPU build).")
      .define("model.input.size", INT, Integer.toString(MODEL.inputSize()), atLeast(1),
          "Side in pixels the image is resized to (shorter side, then centre crop); the bundle needs a profile for it.")
      .define("model.upsampler", STRING, MODEL.upsampler(),
          oneOf("onnx", "bilinear", "jbu", "nearest", "upsample-anything"),
          "`onnx`: the bundle's learned upsampler (AnyUp); `bilinear`/`jbu`: training-free; `nearest`: the patch "
              + "grid, no upsampling; `upsample-anything`: a kernel fitted to each image, no weights, CPU only, "
              + "~7 s per 224² image on 2 cores (docs/upsamplers.md).")
      .define("model.threads", INT, Integer.toString(MODEL.threads()), atLeast(0),
          "ONNX Runtime threads per model call; 0 = automatic (the cores split between concurrent calls).")
      .define("model.spinning", BOOLEAN, Boolean.toString(MODEL.spinning()),
          "Whether ONNX Runtime's idle pool threads busy-wait for the next operator (off: they would take the cores "
              + "the rest of the pipeline needs).")
      .define("model.memory.pattern.max.size", INT, Integer.toString(MODEL.memoryPatternMaxSize()), atLeast(0),
          "Profiles up to this input side run with ONNX Runtime's memory pattern, larger ones without (its block "
              + "comes on top of the arena's peak: 8,226 vs 5,128 MiB for the 896 AnyUp graph); 0 = never.")
      .define("model.upsample.anything.steps", INT, Integer.toString(UA.steps()),
          between(1, dev.anyup.streams.models.UpsampleAnythingOptions.MAX_STEPS),
          "`upsample-anything`: Adam steps per image (upstream: 51); the cost is proportional.")
      .define("model.upsample.anything.learning.rate", DOUBLE, Double.toString(UA.learningRate()),
          "`upsample-anything`: Adam's initial learning rate, > 0 (upstream: 0.1).")
      .define("model.upsample.anything.final.learning.rate", DOUBLE, Double.toString(UA.finalLearningRate()),
          "`upsample-anything`: the rate the exponential decay reaches after `model.upsample.anything.schedule.steps`,"
              + " > 0 and at most the learning rate (upstream: 1e-9).")
      .define("model.upsample.anything.schedule.steps", INT, Integer.toString(UA.scheduleSteps()), atLeast(1),
          "`upsample-anything`: the decay's horizon in steps (upstream: 5100, so 51 steps use its first 1 %).")
      .define("model.upsample.anything.radius", INT, Integer.toString(UA.radius()),
          between(1, dev.anyup.streams.models.UpsampleAnythingOptions.MAX_RADIUS),
          "`upsample-anything`: neighbour radius in feature cells (upstream: 8); each output pixel visits up to "
              + "(2·radius+1)² cells per step.")
      .define("model.upsample.anything.warm.start", BOOLEAN, Boolean.toString(UA.warmStart()),
          "`upsample-anything`, not in upstream: fit a frame from the kernel of its source's (`source_id`) previous "
              + "frame and stop once the loss reaches that frame's; the output then depends on the source's earlier "
              + "frames (docs/upsamplers.md, \"For streams: warm start\").")
      .define("model.upsample.anything.warm.max.sources", INT, Integer.toString(UA.warmMaxSources()), atLeast(1),
          "`upsample-anything` warm start: sources whose last kernel is kept (least recently used dropped first; "
              + "4 KB each at 224, 16 KB at 448).")
      .define("model.upsample.anything.warm.max.age.ms", LONG, Long.toString(UA.warmMaxAge().toMillis()), atLeast(1),
          "`upsample-anything` warm start: a kept kernel is dropped, and the frame fitted cold, when the frame was "
              + "captured further than this from the kernel's own frame.")
      .define("preprocess.jpeg.scaled.decode", BOOLEAN, Boolean.toString(MODEL.jpegScaledDecode()),
          "Decode baseline JPEGs at the largest DCT scale (1/4 or 1/8) that still leaves the resize enough pixels "
              + "(3.4x less CPU for 1080p frames to 224, 6.6x for 4K, docs/decoding.md); false: every image in full, "
              + "bit for bit.")

      .section("Output", "What is published for each image, and how it is encoded.")
      .define("output.dense.enabled", BOOLEAN, Boolean.toString(OUTPUT.denseEnabled()),
          "Publish dense per-pixel features to `topics.dense`.")
      .define("output.dense.dtype", STRING, OUTPUT.denseDtype(), oneOf("FLOAT32", "FLOAT16", "INT8"),
          "Element type of the dense tensor (INT8 with a per-channel scale); case-insensitive.")
      .define("output.dense.size", INT, Integer.toString(OUTPUT.denseSize()), atLeast(0),
          "Spatial side of the dense output; 0 = the upsampler's native size.")
      .define("output.projection", STRING, OUTPUT.projection(),
          "`none` or the id of a channel projection (PCA basis) in the bundle.")
      .define("output.dense.in.graph", BOOLEAN, Boolean.toString(OUTPUT.denseInGraph()),
          "Run the projection and the FLOAT16 cast inside the upsampler graph (vectorised, half the bytes handed "
              + "back) instead of in Java on the stream thread.")
      .define("output.embeddings.enabled", BOOLEAN, Boolean.toString(OUTPUT.embeddingsEnabled()),
          "Publish an L2-normalised global embedding to `topics.embeddings` (at least one output must be on).")
      .define("output.regions.grid", INT, Integer.toString(OUTPUT.regionsGrid()), atLeast(0),
          "k: add a k x k grid of region vectors pooled from the upsampled features to each embedding; 0 = none.")

      .section("Batch", "The dynamic batcher shared by all stream threads (one image in flight per thread).")
      .define("batch.max.size", INT, Integer.toString(BATCH.maxSize()), atLeast(1), "Most images in one model call.")
      .define("batch.max.wait.ms", INT, Long.toString(BATCH.maxWait().toMillis()), atLeast(0),
          "Longest an image waits for company; 0 = run whatever is queued, never wait (a few ms can pay on a GPU).")
      .define("batch.workers", INT, Integer.toString(BATCH.workers()), atLeast(0),
          "Model calls at once; 0 = automatic (one per stream thread, at most one per core; one on a GPU).")
      .define("batch.timeout.ms", INT, Long.toString(BATCH.timeout().toMillis()), atLeast(1),
          "Longest one image may wait for its model result (then dead-lettered, `inference`/`TIMEOUT`); must stay "
              + "below the consumer's `max.poll.interval.ms`.")

      .section("Limits", "What one input record may make the app allocate; a record over a limit becomes a dead "
          + "letter, checked before anything of that size is allocated.")
      .define("limits.image.max.bytes", INT, Integer.toString(LIMITS.maxImageBytes()), atLeast(1),
          "Largest encoded image, and largest length any field of an input record may declare (`deserialize`/"
              + "`TOO_LARGE`, `decode`/`TOO_MANY_BYTES`).")
      .define("limits.image.max.pixels", LONG, Long.toString(LIMITS.maxImagePixels()), atLeast(1),
          "Largest width x height, read from the image header (`decode`/`TOO_MANY_PIXELS`); `run` lowers it at "
              + "start to what the heap holds, with a WARN line (docs/outages-and-crash-loops.md).")
      .define("limits.image.max.side", INT, Integer.toString(LIMITS.maxImageSide()), atLeast(1),
          "Largest width or height (`decode`/`BAD_DIMENSIONS`).")

      .section("Readiness", "What `/ready` requires beyond Kafka Streams being RUNNING.")
      .define("readiness.thread.death.window.ms", LONG, Long.toString(READINESS.threadDeathWindow().toMillis()),
          atLeast(1), "`/ready` is 503 for this long after a stream thread died and was replaced (a thread dying in a "
              + "loop keeps the instance unready).")
      .define("readiness.rebalance.grace.ms", LONG, Long.toString(READINESS.rebalanceGrace().toMillis()), atLeast(1),
          "How long the client may be out of RUNNING (rebalancing) or own no input partition and still be ready.")
      .define("readiness.progress.timeout.ms", LONG, Long.toString(READINESS.progressTimeout().toMillis()),
          atLeast(1), "`/ready` is 503 while an owned input partition has waiting records and its committed offset "
              + "has not moved for this long.")

      .section("Failover", "What an instance does about a dead instance's leftovers.")
      .define("failover.fence.expired.transactions", BOOLEAN,
          Boolean.toString(FAILOVER.fenceExpiredTransactions()),
          "After a rebalance, abort this application's transactions (transactional ids `<application.id>-...`) "
              + "that the broker reports open longer than their own `transaction.timeout.ms`, instead of waiting up "
              + "to the broker's `transaction.abort.timed.out.transaction.cleanup.interval.ms` (10 s by default) for "
              + "its own check; a SIGKILLed instance's open transaction then holds back `read_committed` readers and "
              + "the new owner's offsets about 10.5-11.5 s instead of 10-20 s. Needs Write on the transactional-id "
              + "prefix (already needed by exactly-once) and a broker of Kafka 3.8+ (RELIABILITY.md, failover).")

      .section("Frames", "Camera feeds: input frames skipped before they are decoded (by capture time).")
      .define("frames.max.age.ms", LONG, Long.toString(FRAMES.maxAge().toMillis()), atLeast(0),
          "Skip a frame older than this when its turn comes (`STALE`); 0 = off.")
      .define("frames.min.interval.ms", LONG, Long.toString(FRAMES.minInterval().toMillis()), atLeast(0),
          "Per source, skip a frame less than this after the last processed one (`SAMPLED`); 0 = off.")
      .define("frames.skipped.topic", STRING, FRAMES.skippedTopic(),
          "Topic for a small JSON record per skipped frame; empty = skipped frames are only counted.")

      .section("Ops HTTP", "The ops port: `/health`, `/ready`, `/metrics` (Prometheus).")
      .define("http.port", INT, Integer.toString(AppConfig.DEFAULT_HTTP_PORT), between(0, 65535),
          "Port of `/health`, `/ready` and `/metrics`; 0 = any free port.")
      .define("http.bind", STRING, AppConfig.DEFAULT_HTTP_BIND,
          "Address of the ops port. All interfaces by default: its callers are an orchestrator's probes and a "
              + "Prometheus scraper, which reach a container from outside it, and it serves only health and "
              + "counters. `local` writes `127.0.0.1` for a developer's machine.")

      .section("HTTP limits", "One set of limits for each of the three HTTP ports (ops, console, `serve`), so no "
          + "slow client can stall a port; `/health` and `/ready` bypass the worker bound.")
      .define("http.header.timeout.ms", LONG, Long.toString(HTTP.headerTimeout().toMillis()), atLeast(1),
          "How long a new connection may take to send its first request's headers (then closed; a real client "
              + "sends them in one packet).")
      .define("http.body.timeout.ms", LONG, Long.toString(HTTP.bodyTimeout().toMillis()), atLeast(1),
          "How long a handler may take to read one request body (a trickled upload fails with 400; 60 s carries "
              + "20 MB at 3 Mbit/s).")
      .define("http.idle.timeout.ms", LONG, Long.toString(HTTP.idleTimeout().toMillis()), atLeast(1),
          "How long a connection may stay silent, between requests or inside one (longer than a browser's "
              + "keep-alive reuse of the console's 1 s polling).")
      .define("http.max.connections", INT, Integer.toString(HTTP.maxConnections()), between(1, 100_000),
          "Open connections per port; the next is closed at once, not queued (each costs a file descriptor).")
      .define("http.workers", INT, Integer.toString(HTTP.workers()), between(1, 1000),
          "Requests handled at once per port, besides `/health` and `/ready` (a query is milliseconds of CPU).")
      .define("http.queue.timeout.ms", LONG, Long.toString(HTTP.queueTimeout().toMillis()), atLeast(1),
          "How long a request may wait for a worker, without holding a thread, before it is answered 503.")

      .section("Console", "The web console of `run` (off by default): recent outputs, similar-image search, "
          + "concepts.")
      .define("console.enabled", BOOLEAN, Boolean.toString(CONSOLE.enabled()), "Serve the web console.")
      .define("console.bind", STRING, CONSOLE.bind(),
          "Address of the console. Loopback by default: it shows the input images, so they reach the network only "
              + "when asked; `0.0.0.0` inside a container whose port is published.")
      .define("console.port", INT, Integer.toString(CONSOLE.port()), between(0, 65535),
          "Port of the console; 0 = any free port.")
      .define("console.recent.per.source", INT, Integer.toString(CONSOLE.recentPerSource()), between(1, 64),
          "Latest outputs kept and shown per source.")
      .define("console.similar.enabled", BOOLEAN, Boolean.toString(CONSOLE.similar()),
          "Similar-image search over this app's own committed embeddings (the console follows the embeddings "
              + "topic).")
      .define("console.similar.max.embeddings", INT, Integer.toString(CONSOLE.similarMaxEmbeddings()),
          between(1, Console.MAX_SIMILAR_EMBEDDINGS),
          "Embeddings kept in the console's index, the newest (10 million 384-d vectors are 15 GB of heap).")
      .define("console.upload.enabled", BOOLEAN, Boolean.toString(CONSOLE.upload()),
          "Search with an uploaded image (`POST /api/similar`); needs `console.similar.enabled`. Off: read-only.")
      .define("console.render.max.per.second", INT, Integer.toString(CONSOLE.renderMaxPerSecond()), between(1, 1000),
          "Feature pictures drawn per second (a render costs about as much CPU as a small model).")
      .define("console.concepts.enabled", BOOLEAN, Boolean.toString(CONSOLE.concepts()),
          "Let the console define concepts (`POST /api/concepts`, written to `segmentation.concepts.topic`).")

      .section("Segmentation", "Label maps published beside the features (off by default).")
      .define("segmentation.head", STRING, SEGMENTATION.head(), oneOf("none", "probe", "concepts"),
          "`probe`: a linear probe from `segmentation.probe.file`; `concepts`: similarity to the live concepts; "
              + "case-insensitive.")
      .define("segmentation.topic", STRING, SEGMENTATION.topic(), "Output topic of `SegmentationMap` records.")
      .define("segmentation.probe.file", STRING, SEGMENTATION.probeFile(),
          "Probe JSON file (from `fit-probe`); a relative path is resolved against the bundle folder.")
      .define("segmentation.concepts.topic", STRING, SEGMENTATION.conceptsTopic(),
          "Compacted topic of concepts, keyed by name (`concepts add`, the console).")
      .define("segmentation.confidence.enabled", BOOLEAN, Boolean.toString(SEGMENTATION.confidence()),
          "Add a confidence PNG to each label map.")

      .section("Serve", "The retrieval service (`serve`); its command-line options override these keys.")
      .define("serve.bind", STRING, SERVE.bind(),
          "Address of `serve` (`--bind`). Loopback by default: it answers with image ids and embeddings, and a "
              + "developer runs it beside `local`; `0.0.0.0` in a container or for several instances (with "
              + "`--advertised-host`).")
      .define("serve.port", INT, Integer.toString(SERVE.port()), between(0, 65535),
          "Port of `serve` (`--port`); 0 = any free port.")
      .define("serve.state.dir", STRING, SERVE.stateDir(),
          "Kafka Streams state directory of `serve` (`--state-dir`); empty = `streams.state.dir` when set, else "
              + "`<java.io.tmpdir>/anyup-streams/serve/<application id>/<cluster id>`, so it never answers from "
              + "another cluster's index.")

      .section("Process", "Files the process itself writes.")
      .define(AppConfig.TEMP_DIR_KEY, STRING, "",
          "Folder for ONNX Runtime's and RocksDB's native libraries and the extracted default bundle, written once "
              + "and reused by every start; empty = `<java.io.tmpdir>/anyup-streams`. Never passed to a client.");
}
