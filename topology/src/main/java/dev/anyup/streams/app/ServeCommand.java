package dev.anyup.streams.app;

import dev.anyup.streams.retrieval.BundleQueryEmbedder;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.topology.AppConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code serve}: the retrieval service ({@link RetrievalService}) until SIGINT/SIGTERM (exit code 0). Reads the same
 * configuration as {@code run} for the cluster, the registry and the embeddings topic.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Index the embeddings topic and answer GET /api/similar (exact cosine kNN).")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin
  AppConfigOptions options = new AppConfigOptions();

  @Option(names = "--bind", description = "HTTP address; 0.0.0.0 to serve other machines (overrides serve.bind, "
      + "default " + AppConfig.Serve.DEFAULT_BIND + ")")
  String bind;

  @Option(names = "--port", description = "HTTP port, 0 = any free (overrides serve.port, default "
      + AppConfig.Serve.DEFAULT_PORT + ")")
  Integer port;

  @Option(names = "--application-id",
      description = "the retrieval app's Kafka Streams application id. Instances with the same id split the "
          + "embeddings topic's partitions and a query fans out to all of them; with their own ids each holds every "
          + "embedding (default: <application.id>-retrieval)")
  String applicationId;

  @Option(names = "--advertised-host", description = "the host name the other instances of the same application id "
      + "reach this one at (its application.server; default: the --bind address, or this machine's name for 0.0.0.0)")
  String advertisedHost;

  @Option(names = "--peer-timeout-ms", defaultValue = "2000", description = "how long a query waits for another "
      + "instance before answering 503 naming its partitions (default: ${DEFAULT-VALUE})")
  long peerTimeoutMs;

  @Option(names = "--state-dir", description = "Kafka Streams' state directory (overrides serve.state.dir; default: "
      + "streams.state.dir when set, else <java.io.tmpdir>/anyup-streams/serve/<application id>/<cluster id>, so a "
      + "serve never restores another cluster's index)")
  java.nio.file.Path stateDir;

  @Option(names = "--allow-upload", description = "serve POST /api/similar (search with an uploaded image): loads the "
      + "model bundle (model.bundle) to embed it; off by default (read-only)")
  boolean allowUpload;

  @Override
  public Integer call() throws InterruptedException {
    AppConfig cfg = options.load(System.getenv(), Map.of(), Map.of());
    NativeLibraries.prepare(cfg.tempDir()); // RocksDB (the index's store) and, with uploads, ONNX Runtime
    RetrievalService.Settings settings = settings(cfg);
    BundleQueryEmbedder embedder = allowUpload
        ? new BundleQueryEmbedder(AnyupApp.loadBundle(cfg, cfg.model()), cfg) : null;
    RetrievalService service;
    try {
      service = RetrievalService.start(cfg, settings, embedder);
    } catch (RuntimeException e) {
      if (embedder != null) {
        embedder.close();
      }
      throw e;
    }
    System.out.println("retrieval service on http://" + settings.bindAddress() + ":" + service.port()
        + "/api/similar?image=ID&k=10 (indexing " + cfg.topics().embeddings() + ", state in " + service.stateDir()
        + "; uploads "
        + (embedder != null ? "on, model bundle " + cfg.model().bundle() : "off") + ")");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("signal received: stopping the retrieval service");
      service.close();
      if (embedder != null) {
        embedder.close();
      }
      stopped.countDown();
      Runtime.getRuntime().halt(0);
    }, "anyup-serve-shutdown"));
    stopped.await();
    return 0;
  }

  /** The service's settings: each option when given, else its {@code serve.*} key (or the default id). */
  RetrievalService.Settings settings(AppConfig cfg) {
    try {
      return new RetrievalService.Settings(
          applicationId != null ? applicationId : cfg.applicationId() + "-retrieval",
          bind != null ? bind : cfg.serve().bind(), port != null ? port : cfg.serve().port(), advertisedHost,
          java.time.Duration.ofMillis(peerTimeoutMs), stateDir != null ? stateDir : cfg.serve().stateDirPath());
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage());
    }
  }
}
