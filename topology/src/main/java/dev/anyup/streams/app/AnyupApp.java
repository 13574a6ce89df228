package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.console.ConsoleServer;
import dev.anyup.streams.console.ConsoleView;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.VerificationReport;
import dev.anyup.streams.topology.AnyupTopology;
import dev.anyup.streams.segmentation.SegmentationHeads;
import dev.anyup.streams.serdes.SchemaRegistryClient;
import dev.anyup.streams.serdes.SchemaRegistryConfig;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import dev.anyup.streams.topology.DeadLetterDeserializationExceptionHandler;
import dev.anyup.streams.topology.DeadLetterProcessingExceptionHandler;
import dev.anyup.streams.topology.DeadLetterProductionExceptionHandler;
import dev.anyup.streams.topology.ImagePipeline;
import dev.anyup.streams.topology.OutputTap;
import dev.anyup.streams.topology.PipelineMetrics;
import dev.anyup.streams.topology.SegmentationHead;
import dev.anyup.streams.topology.TopologySerdes;
import dev.anyup.streams.topology.frames.InputLagMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: startup checks (bundle loads and verifies, output fits the producer and the topics, topics
 * exist), then Kafka Streams, metrics and the ops HTTP server. {@link #close()} is the graceful shutdown: Streams
 * closes (leaving the group; the in-flight record of each stream thread finishes because the batcher is still up), the
 * batcher drains, the models close, then HTTP.
 */
public final class AnyupApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AnyupApp.class);
  /** How often committed progress is read, at most (a quarter of the stall timeout when that is shorter). */
  private static final Duration PROGRESS_POLL = Duration.ofSeconds(2);
  /** How long the broker has to describe the cluster before the outage watch counts it unreachable. */
  private static final Duration OUTAGE_PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final AppConfig cfg;
  private final ModelBundle bundle;
  private final ImagePipeline pipeline;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final InputLagMetrics inputLag;
  private final PipelineMetrics metrics;
  private final OpsHttpServer http;
  private final ConsoleView consoleView;
  private final ConsoleServer console;
  private final ConsoleSearch consoleSearch;
  private final ConsoleConcepts consoleConcepts;
  private final StreamThreadWatch threads;
  private final CountDownLatch ended;
  private final Admin admin;
  private final ProgressPoller poller;
  private final OutputRateLog rateLog;
  private final OutageWatch outages;
  private final ExpiredTransactionFencer fencer;
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean closing;

  private AnyupApp(AppConfig cfg, ModelBundle bundle, ImagePipeline pipeline, KafkaStreams streams,
      KafkaStreamsMetrics streamsMetrics, InputLagMetrics inputLag, PipelineMetrics metrics, OpsHttpServer http,
      ConsoleView consoleView, ConsoleServer console, ConsoleSearch consoleSearch, ConsoleConcepts consoleConcepts,
      StreamThreadWatch threads, CountDownLatch ended, Admin admin, ProgressPoller poller, OutputRateLog rateLog,
      OutageWatch outages, ExpiredTransactionFencer fencer) {
    this.cfg = cfg;
    this.bundle = bundle;
    this.pipeline = pipeline;
    this.streams = streams;
    this.streamsMetrics = streamsMetrics;
    this.inputLag = inputLag;
    this.metrics = metrics;
    this.http = http;
    this.consoleView = consoleView;
    this.console = console;
    this.consoleSearch = consoleSearch;
    this.consoleConcepts = consoleConcepts;
    this.threads = threads;
    this.ended = ended;
    this.admin = admin;
    this.poller = poller;
    this.rateLog = rateLog;
    this.outages = outages;
    this.fencer = fencer;
  }

  /** Loads the bundle named by {@code model.bundle} with the configured device, threads and upsampler. */
  public static ModelBundle loadBundle(AppConfig cfg, AppConfig.Model model) {
    NativeLibraries.prepare(cfg.tempDir());
    return loadBundle(model);
  }

  /** Like {@link #loadBundle(AppConfig, AppConfig.Model)}, with the native libraries wherever they are. */
  public static ModelBundle loadBundle(AppConfig.Model model) {
    return loadBundle(model, model.threads(), 2, OutputHead.none());
  }

  /**
   * Loads the pipeline's bundle with the {@link AppConfig#cpuBudget}: its ONNX Runtime threads per call, and a
   * predictor for each model call that may run at once.
   */
  static ModelBundle loadBundle(AppConfig cfg) {
    AppConfig.CpuBudget budget = cfg.cpuBudget();
    LOG.info("CPU budget: {} (batch.workers {}, model.threads {}, model.spinning {})", budget,
        cfg.batch().workers() > 0 ? "set" : "automatic", cfg.model().threads() > 0 ? "set" : "automatic",
        cfg.model().spinning());
    OutputHead head = cfg.outputHead();
    if (head.active()) {
      LOG.info("dense output: {} inside the upsampler graph (output.dense.in.graph)", head);
    }
    dev.anyup.streams.models.segmentation.LinearProbe probe;
    try {
      probe = SegmentationHeads.probeForGraph(cfg);
    } catch (ConfigException e) {
      throw new StartupException("segmentation.head probe: " + e.getMessage(), e);
    }
    if (probe != null) {
      LOG.info("segmentation: {} inside the upsampler graph where it can run there (confidence {})", probe,
          cfg.segmentation().confidence());
    }
    return loadBundle(cfg.model(), budget.threads(), Math.max(2, budget.workers()), head, probe,
        cfg.segmentation().confidence());
  }

  private static ModelBundle loadBundle(AppConfig.Model model, int threads, int predictors, OutputHead head) {
    return loadBundle(model, threads, predictors, head, null, false);
  }

  private static ModelBundle loadBundle(AppConfig.Model model, int threads, int predictors, OutputHead head,
      dev.anyup.streams.models.segmentation.LinearProbe probe, boolean probeConfidence) {
    InferenceOptions.Builder b = InferenceOptions.builder().device(model.device()).upsampler(model.upsampler())
        .spinning(model.spinning()).predictors(predictors).memoryPatternMaxSize(model.memoryPatternMaxSize())
        .outputHead(head).probe(probe, probeConfidence).upsampleAnything(model.upsampleAnythingOptions());
    if (threads > 0) {
      b.intraOpThreads(threads);
    }
    InferenceOptions opts = b.build();
    return model.bundle().equals("default") ? ModelBundle.loadDefault(opts)
        : ModelBundle.load(Path.of(model.bundle()), opts);
  }

  /**
   * Runs every startup check and starts processing: broker and registry reachable (nothing is created before), the
   * bundle loads and verifies, output sizes fit, topics exist or are created, output schemas registered; fails fast
   * with a {@link StartupException} naming the problem.
   */
  public static AnyupApp start(AppConfig configured) {
    LOG.info("starting with {}", configured);
    LOG.info("{}", configured.frames().describe());
    NativeLibraries.prepare(configured.tempDir());
    // before anything is loaded or created: a missing server should fail the start in seconds, with its name
    DependencyCheck.requireReachable(configured);
    ModelBundle bundle;
    try {
      bundle = loadBundle(configured);
    } catch (RuntimeException e) {
      throw new StartupException("model bundle '" + configured.model().bundle() + "' does not load: "
          + e.getMessage(), e);
    }
    ImagePipeline pipeline = null;
    KafkaStreams streams = null;
    OpsHttpServer http = null;
    InputLagMetrics inputLag = null;
    Admin admin = null;
    ConsoleView consoleView = null;
    ConsoleServer console = null;
    ConsoleSearch consoleSearch = null;
    ConsoleConcepts consoleConcepts = null;
    OutageWatch outages = null;
    ExpiredTransactionFencer fencer = null;
    try {
      VerificationReport report = bundle.verify();
      if (!report.passed()) {
        throw new StartupException("model bundle " + report.bundle() + " fails verification: " + report.checks());
      }
      LOG.info("bundle {} verified: {}", report.bundle(), report.checks());
      AppConfig cfg = sized(configured, bundle);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(registry);
      PipelineMetrics metrics = new PipelineMetrics(registry);
      TopologySerdes serdes = TopologySerdes.avro(cfg);
      SegmentationHead head;
      try {
        head = SegmentationHeads.create(cfg, bundle, serdes.concepts(), registry);
      } catch (ConfigException e) {
        throw new StartupException("segmentation.head " + cfg.segmentation().head() + ": " + e.getMessage(), e);
      }
      pipeline = ImagePipeline.create(bundle, cfg, metrics, head);
      try {
        serdes.registerSchemas(cfg, ImagePipeline.lineage(bundle));
      } catch (RuntimeException e) {
        throw new StartupException("cannot register the output schemas with " + cfg.schemaRegistryUrl() + ": "
            + e.getMessage(), e);
      }
      OutputTap tap = OutputTap.NONE;
      if (cfg.console().enabled()) {
        consoleView = new ConsoleView(cfg.console().recentPerSource(), FeatureRenderer::pcaRgbPng,
            Duration.ofNanos(1_000_000_000L / cfg.console().renderMaxPerSecond()), System::nanoTime);
        tap = consoleView;
      }
      var topology = AnyupTopology.build(cfg, serdes, pipeline, metrics, tap);
      LOG.debug("topology:\n{}", topology.describe());
      Properties props = cfg.streamsProperties();
      props.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
          DeadLetterProductionExceptionHandler.class.getName());
      props.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
          DeadLetterDeserializationExceptionHandler.class.getName());
      props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
          DeadLetterProcessingExceptionHandler.class.getName());
      LOG.info("kafka streams properties {}", AppConfig.masked(props));
      streams = new KafkaStreams(topology, props);
      CountDownLatch ended = new CountDownLatch(1);
      StreamThreadWatch threads = new StreamThreadWatch(registry, cfg.readiness().threadDeathWindow(),
          System::nanoTime, ended::countDown, access(cfg, props));
      streams.setUncaughtExceptionHandler(threads);
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
      streamsMetrics.bindTo(registry);
      inputLag = new InputLagMetrics(registry, streams::metrics, cfg.topics().input(),
          Duration.ofSeconds(5));
      KafkaStreams s = streams;
      CommittedProgress progress = new CommittedProgress(registry, cfg.readiness().progressTimeout(),
          System.nanoTime());
      admin = Admin.create(cfg.adminProperties());
      outages = outageWatch(cfg, admin);
      ProgressPoller poller = new ProgressPoller(streams, admin, cfg.applicationId(), cfg.topics().input(), progress,
          outages::outages);
      ReadinessProbe probe = new ReadinessProbe(s::state, threads, progress, cfg.readiness(), System::nanoTime,
          poller::logAssignment, outages::outages);
      if (cfg.exactlyOnce() && cfg.failover().fenceExpiredTransactions()) {
        ExpiredTransactionFencer f = ExpiredTransactionFencer.of(cfg.applicationId(), cfg.transactionTimeout(), admin);
        fencer = f;
        streams.setStateListener((now, before) -> {
          probe.onChange(now, before);
          f.onChange(now, before);
        });
        LOG.info("transaction fencer on: after a rebalance, for {} s, transactions of {}-* open longer than {} ms "
            + "(transaction.timeout.ms + {} ms) are aborted (failover.fence.expired.transactions)",
            f.window().toMillis() / 1000.0, cfg.applicationId(), cfg.transactionTimeout().toMillis(),
            ExpiredTransactionFencer.MARGIN.toMillis());
      } else {
        streams.setStateListener(probe);
      }
      http = OpsHttpServer.start(cfg.httpBind(), cfg.httpPort(), cfg.httpLimits(), registry, probe::verdict,
          probe::health);
      LOG.info("ops HTTP on {}:{}", cfg.httpBind(), http.port());
      if (consoleView != null) {
        consoleSearch = ConsoleSearch.start(cfg);
        consoleConcepts = cfg.console().concepts() ? ConsoleConcepts.start(cfg) : null;
        console = ConsoleServer.start(cfg.console().bind(), cfg.console().port(), consoleView, registry,
            consoleSearch.handler(), consoleSearch.uploads(), consoleSearch.unavailable(), consoleConcepts, null,
            cfg.httpLimits());
        LOG.info("web console ({}{}) on http://{}:{}/", consoleSearch.uploads() ? "uploads on" : "read-only",
            consoleConcepts != null ? ", defines concepts on " + cfg.segmentation().conceptsTopic() : "",
            cfg.console().bind(), console.port());
      }
      poller.readStartingPoint(); // before the first commit can happen
      streams.start();
      Duration interval = cfg.readiness().progressTimeout().dividedBy(4);
      poller.start(interval.compareTo(PROGRESS_POLL) < 0 ? interval : PROGRESS_POLL);
      OutputRateLog rateLog = new OutputRateLog(metrics, System::nanoTime);
      rateLog.start(OutputRateLog.INTERVAL);
      outages.start(OutageWatch.INTERVAL);
      if (fencer != null) {
        fencer.start();
      }
      return new AnyupApp(cfg, bundle, pipeline, streams, streamsMetrics, inputLag, metrics, http, consoleView,
          console, consoleSearch, consoleConcepts, threads, ended, admin, poller, rateLog, outages, fencer);
    } catch (RuntimeException e) {
      if (fencer != null) {
        fencer.close();
      }
      if (outages != null) {
        outages.close();
      }
      if (streams != null) {
        streams.close(Duration.ofSeconds(10));
      }
      if (http != null) {
        http.close();
      }
      if (console != null) {
        console.close();
      }
      if (consoleSearch != null) {
        consoleSearch.close();
      }
      if (consoleConcepts != null) {
        consoleConcepts.close();
      }
      if (consoleView != null) {
        consoleView.close();
      }
      if (inputLag != null) {
        inputLag.close();
      }
      if (admin != null) {
        admin.close(Duration.ofSeconds(5));
      }
      if (pipeline != null) {
        pipeline.close();
      }
      bundle.close();
      throw e;
    }
  }

  /** The broker through the app's admin client, and the schema registry unless it is a {@code mock://} one. */
  private static OutageWatch outageWatch(AppConfig cfg, Admin admin) {
    Map<String, java.util.function.Supplier<java.util.Optional<String>>> probes = new java.util.LinkedHashMap<>();
    probes.put("broker " + cfg.bootstrapServers(), () -> DependencyCheck.brokerProblem(admin, OUTAGE_PROBE_TIMEOUT));
    SchemaRegistryConfig rc = SchemaRegistryConfig.fromMap(cfg.serdeConfig());
    if (rc.mockScope() == null) {
      SchemaRegistryClient client = SchemaRegistryClient.create(rc);
      String url = cfg.schemaRegistryUrl().replaceAll("//[^/@]+@", "//[hidden]@");
      probes.put("schema registry " + url, () -> DependencyCheck.registryProblem(client, url));
    }
    return new OutageWatch(probes, System::nanoTime, OutageWatch.REMINDER);
  }

  /** What the app reads (input) and writes (outputs, dead letters, label maps) as whom, for naming missing ACLs. */
  static AccessContext access(AppConfig cfg, Properties props) {
    java.util.Set<String> writes = new java.util.HashSet<>(java.util.List.of(cfg.topics().dense(),
        cfg.topics().embeddings(), cfg.topics().dlq()));
    if (cfg.segmentation().enabled()) {
      writes.add(cfg.segmentation().topic());
    }
    return AccessContext.of(props, java.util.Set.of(cfg.topics().input()), writes, cfg.applicationId());
  }

  /**
   * Sizes producer and topics for the configured records and creates or checks the topics. The largest dead letter is
   * an input record, so the input topic's {@code max.message.bytes} bounds it.
   */
  private static AppConfig sized(AppConfig cfg, ModelBundle bundle) {
    OutputSizing sizing = OutputSizing.of(cfg, bundle);
    try (Admin admin = Admin.create(cfg.adminProperties())) {
      long inputMax = TopicProvisioner.ensureInput(admin, cfg);
      StreamThreadSizing threads = StreamThreadSizing.of(cfg, TopicProvisioner.inputPartitions(admin, cfg));
      LOG.info("{}", threads.summary());
      threads.warning().ifPresent(LOG::warn);
      long deadLetterBytes = inputMax + OutputSizing.HEADROOM_BYTES;
      int maxRequest = sizing.requiredMaxRequestSize(cfg, deadLetterBytes);
      long bufferMemory = sizing.requiredBufferMemory(cfg, maxRequest);
      AppConfig out = cfg.withPassThrough(cfg.maxRequestSizeExplicit()
          ? Map.of("producer.buffer.memory", Long.toString(bufferMemory))
          : Map.of("producer.max.request.size", Integer.toString(maxRequest),
              "producer.buffer.memory", Long.toString(bufferMemory)));
      out = admitted(out, MemoryAdmission.of(cfg, Runtime.getRuntime().maxMemory(),
          Math.min(threads.threads(), threads.inputPartitions()), sizing.largest()));
      Map<String, Long> outputBytes = new java.util.HashMap<>();
      if (cfg.output().denseEnabled()) {
        outputBytes.put(cfg.topics().dense(), Math.max(sizing.denseBytes(), 1024 * 1024));
      }
      if (cfg.output().embeddingsEnabled()) {
        outputBytes.put(cfg.topics().embeddings(), Math.max(sizing.embeddingBytes(), 1024 * 1024));
      }
      if (cfg.segmentation().enabled()) {
        LOG.info("segmentation head {}: label maps to {} up to {} bytes (a few KB in practice)",
            cfg.segmentation().head(), cfg.segmentation().topic(), labelMapBound(cfg));
        outputBytes.put(cfg.segmentation().topic(), Math.max(labelMapBound(cfg), 1024 * 1024));
        TopicProvisioner.ensureConcepts(admin, cfg);
      }
      long dlqBytes = Math.min(maxRequest, Math.max(deadLetterBytes, 1024 * 1024));
      LOG.info("output records up to {} bytes (dense {}, embedding {}); producer max.request.size={}, "
          + "buffer.memory={}", sizing.largest(), sizing.denseBytes(), sizing.embeddingBytes(), maxRequest,
          bufferMemory);
      LOG.info("{}", OutputSizing.guidance(cfg, bundle));
      TopicProvisioner.ensureOutputs(admin, out, outputBytes, dlqBytes);
      return out;
    }
  }

  /**
   * The configuration with {@code limits.image.max.pixels} lowered to what the heap holds, or unchanged; refuses the
   * start when not even an image of the model's input size fits ({@link MemoryAdmission}).
   */
  static AppConfig admitted(AppConfig cfg, MemoryAdmission admission) {
    if (admission.refused()) {
      throw new StartupException(admission.refusal());
    }
    if (admission.fits()) {
      LOG.info("{}", admission.line());
      return cfg;
    }
    LOG.warn("{}", admission.line());
    AppConfig.Limits l = cfg.limits();
    return cfg.withLimits(new AppConfig.Limits(l.maxImageBytes(), admission.fittingPixels(), l.maxImageSide()));
  }

  /**
   * An upper bound on a label-map record: 16-bit labels and an 8-bit confidence map stored uncompressed (PNG's worst
   * case is barely above the raw bytes), plus 64 KiB for ids, lineage, class names and counts. Real ones are a few
   * KB (topology/README.md).
   */
  static long labelMapBound(AppConfig cfg) {
    long pixels = (long) cfg.model().inputSize() * cfg.model().inputSize();
    return pixels * (2 + (cfg.segmentation().confidence() ? 1 : 0)) + 65_536;
  }

  /** The effective configuration (with computed sizes). */
  public AppConfig config() {
    return cfg;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  public PipelineMetrics metrics() {
    return metrics;
  }

  /** Lineage of the loaded bundle: its name and version, encoder and upsampler with their hashes. */
  public dev.anyup.streams.avro.ModelLineage lineage() {
    return ImagePipeline.lineage(bundle);
  }

  /** The port the ops HTTP server listens on. */
  public int httpPort() {
    return http.port();
  }

  /** The port the web console listens on, or -1 when {@code console.enabled} is false. */
  public int consolePort() {
    return console == null ? -1 : console.port();
  }

  /** Blocks until {@link #close()} finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /**
   * Blocks until the app is closed or a fatal JVM error or access failure shut Kafka Streams down, and returns the
   * exit code for {@code run}: see {@link #exitCode()}.
   */
  int awaitExit() throws InterruptedException {
    ended.await();
    return exitCode();
  }

  /**
   * The exit code the process should end with now: 0, {@link StreamThreadWatch#FATAL_EXIT_CODE} (70) after a fatal
   * JVM error, {@link StreamThreadWatch#ACCESS_EXIT_CODE} (78) after a missing ACL, rejected credentials or an
   * invalid client setting.
   */
  int exitCode() {
    return threads.exitCode();
  }

  /** Why Kafka Streams was shut down for good (logged when it happened), or null. */
  String stoppedBecause() {
    return threads.stoppedBecause();
  }

  /** Stream threads that died and were replaced so far. */
  public long streamThreadReplacements() {
    return threads.replacements();
  }

  @Override
  public synchronized void close() {
    if (closing) {
      return;
    }
    closing = true;
    LOG.info("shutting down: closing Kafka Streams (leave group)");
    try {
      outages.close();
      if (fencer != null) {
        fencer.close();
      }
      poller.close();
      rateLog.close();
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(30)));
      streamsMetrics.close();
      inputLag.close();
      LOG.info("draining the inference batcher");
      pipeline.close();
      LOG.info("closing models");
      bundle.close();
    } finally {
      admin.close(Duration.ofSeconds(5));
      if (console != null) {
        console.close();
        consoleSearch.close();
        if (consoleConcepts != null) {
          consoleConcepts.close();
        }
        consoleView.close();
      }
      http.close();
      closed.countDown();
      ended.countDown();
      LOG.info("stopped");
    }
  }
}
