package dev.anyup.streams.retrieval;

import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.access.StreamsClientWatch;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.http.BoundedHttpServer;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrieval service ({@code anyup-streams serve}): a small Kafka Streams application of its own
 * ({@link RetrievalTopology}) that materialises the embeddings topic into a state store and an {@link EmbeddingIndex},
 * and an HTTP server answering {@link SimilarityApi} queries, {@code /health} and {@code /ready}.
 *
 * <p>It is separate from the feature pipeline on purpose: it needs no model, scales on its own, and a slow query never
 * holds a stream thread of the pipeline. Indexing is idempotent (a put per image id), so at-least-once is enough.
 *
 * <p>Two ways to run several: with their own application ids each instance holds every embedding (replicas for query
 * throughput); with one application id Kafka Streams splits the topic's partitions among them (capacity), each
 * advertises its HTTP address as {@code application.server}, and a query fans out to all of them
 * ({@link ClusterSearch}) and merges their top k, or says which partitions it could not cover.
 */
public final class RetrievalService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetrievalService.class);

  /**
   * How the service runs.
   *
   * @param applicationId the retrieval app's own Kafka Streams application id (shared: the instances split the
   *     partitions; one per instance: each holds everything)
   * @param bindAddress the HTTP server's address ({@code 127.0.0.1}: this machine only; {@code 0.0.0.0}: all)
   * @param port the HTTP port ({@code 0}: any free port)
   * @param advertisedHost the host name the other instances reach this one at ({@code application.server}); null:
   *     the bind address, or this machine's host name when that is a wildcard
   * @param peerTimeout how long a query waits for another instance before reporting it unavailable
   * @param stateDir Kafka Streams' state directory; null: {@code streams.state.dir} when configured, else
   *     {@link #defaultStateDir} for this application id and the cluster it talks to, so an index is never restored
   *     from another run's (another cluster's) data
   */
  public record Settings(String applicationId, String bindAddress, int port, String advertisedHost,
      Duration peerTimeout, Path stateDir) {
    public Settings(String applicationId, String bindAddress, int port) {
      this(applicationId, bindAddress, port, null, Duration.ofSeconds(2), null);
    }

    public Settings(String applicationId, String bindAddress, int port, String advertisedHost,
        Duration peerTimeout) {
      this(applicationId, bindAddress, port, advertisedHost, peerTimeout, null);
    }

    public Settings {
      if (applicationId == null || applicationId.isBlank()) {
        throw new IllegalArgumentException("retrieval application id must not be blank but was '" + applicationId
            + "'");
      }
      if (bindAddress == null || bindAddress.isBlank()) {
        throw new IllegalArgumentException("retrieval bind address must not be blank but was '" + bindAddress + "'");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("retrieval port must be between 0 and 65535 but was " + port);
      }
      if (advertisedHost != null && advertisedHost.isBlank()) {
        throw new IllegalArgumentException("retrieval advertised host must not be blank (null: the bind address)");
      }
      if (peerTimeout == null || peerTimeout.isNegative() || peerTimeout.isZero()) {
        throw new IllegalArgumentException("retrieval peer timeout must be positive but was " + peerTimeout);
      }
    }

    /** The host other instances reach this one at. */
    String hostForPeers() {
      if (advertisedHost != null) {
        return advertisedHost;
      }
      if (bindAddress.equals("0.0.0.0") || bindAddress.equals("::")) {
        try {
          return java.net.InetAddress.getLocalHost().getCanonicalHostName();
        } catch (java.net.UnknownHostException e) {
          throw new IllegalArgumentException("bound to " + bindAddress + " and this machine's host name does not "
              + "resolve: set the advertised host (serve --advertised-host)", e);
        }
      }
      return bindAddress;
    }
  }

  private final EmbeddingIndex index;
  private final KafkaStreams streams;
  private final SpecificAvroSerde<ImageEmbedding> serde;
  private final BoundedHttpServer http;
  private final Path stateDir;
  private final AtomicLong refused;
  private final Admin admin;
  private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;
  private final io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics streamsMetrics;

  private RetrievalService(EmbeddingIndex index, KafkaStreams streams, SpecificAvroSerde<ImageEmbedding> serde,
      BoundedHttpServer http, AtomicLong refused, Admin admin, Path stateDir,
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry,
      io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics streamsMetrics) {
    this.registry = registry;
    this.streamsMetrics = streamsMetrics;
    this.admin = admin;
    this.index = index;
    this.streams = streams;
    this.serde = serde;
    this.http = http;
    this.stateDir = stateDir;
    this.refused = refused;
  }

  /** Starts indexing {@code cfg.topics().embeddings()} and serving queries, read-only. */
  public static RetrievalService start(AppConfig cfg, Settings settings) {
    return start(cfg, settings, null);
  }

  /**
   * Like {@link #start(AppConfig, Settings)}; with an {@code embedder} (not null) {@code POST /api/similar} searches
   * with uploaded images up to {@code limits.image.max.bytes}. The caller owns the embedder.
   */
  public static RetrievalService start(AppConfig cfg, Settings settings, QueryEmbedder embedder) {
    Objects.requireNonNull(cfg, "config must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    EmbeddingIndex index = new EmbeddingIndex();
    AtomicLong refused = new AtomicLong();
    SpecificAvroSerde<ImageEmbedding> serde = new SpecificAvroSerde<>(ImageEmbedding.class);
    serde.configure(Map.copyOf(cfg.serdeConfig()), false);
    BoundedHttpServer http = BoundedHttpServer.create("retrieval HTTP server (serve.bind or --bind, serve.port or --port)",
        settings.bindAddress(), settings.port(), cfg.httpLimits());
    Admin admin = Admin.create(cfg.adminProperties());
    Path stateDir;
    try {
      String configured = cfg.passThrough().get("streams." + StreamsConfig.STATE_DIR_CONFIG);
      stateDir = settings.stateDir() != null ? settings.stateDir()
          : configured != null && !configured.isBlank() ? Path.of(configured)
          : defaultStateDir(settings.applicationId(), clusterId(admin, cfg.bootstrapServers()));
      // bound now for application.server's port, answering only once Kafka Streams has started: a query before
      // that was a 500 (StreamsNotStartedException from the peers' metadata)
      http.bind();
    } catch (RuntimeException e) {
      http.close();
      admin.close(Duration.ofSeconds(5));
      serde.close();
      throw e;
    }
    HostInfo self = new HostInfo(settings.hostForPeers(), http.port());
    Properties props = streamsProperties(cfg, settings);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    KafkaStreams streams = new KafkaStreams(
        RetrievalTopology.build(cfg.topics().embeddings(), serde, index, refused), props);
    StreamsClientWatch watch = new StreamsClientWatch("the retrieval index of " + cfg.topics().embeddings(),
        AccessContext.of(props, Set.of(cfg.topics().embeddings()), Set.of(), settings.applicationId()));
    streams.setUncaughtExceptionHandler(watch);
    ClusterSearch search = new ClusterSearch(index, () -> peers(streams, self),
        partitionCount(admin, cfg.topics().embeddings()), settings.peerTimeout());
    SimilarityApi api = new SimilarityApi(search, embedder, cfg.limits().maxImageBytes(),
        SimilarityApi.SERVE_UPLOAD_HINT);
    // a stopped index answers 503 with the reason, not a stale or empty answer
    http.route("/api/similar", Set.of("GET", "POST"), ex -> {
      if (watch.stopped().isPresent()) {
        text(ex, 503, "similar-image search unavailable: " + watch.stopped().get() + "\n");
      } else {
        api.handle(ex);
      }
    });
    http.route("/internal/", Set.of("GET", "POST"), new PeerApi(index));
    http.probe("/health", ex -> text(ex, watch.stopped().isPresent() ? 503 : 200,
        watch.stopped().map(why -> "unhealthy: " + why + "\n").orElse("ok\n")));
    http.route("/", Set.of("GET", "HEAD"), RetrievalService::root);
    // Prometheus, as the app's ops port: the index's size, refused records, Kafka Streams' own client metrics
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    io.micrometer.core.instrument.Gauge.builder(INDEX_SIZE_METER, index, EmbeddingIndex::size)
        .description("embeddings in this instance's similar-image index").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(REFUSED_METER, refused, AtomicLong::get)
        .description("embedding records refused by the index (undecodable, wrong dimension)").register(registry);
    var streamsMetrics = new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    http.route("/metrics", Set.of("GET", "HEAD"), ex -> {
      try (ex) {
        byte[] bytes = registry.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    });
    http.probe("/ready", ex -> {
      boolean ok = streams.state() == KafkaStreams.State.RUNNING;
      text(ex, ok ? 200 : 503, ok ? "ready: " + index.size() + " embeddings\n"
          : "not ready: " + watch.stopped().orElse("Kafka Streams is " + streams.state()) + "\n");
    });
    streams.start();
    try {
      http.start();
    } catch (RuntimeException e) {
      streams.close(Duration.ofSeconds(5));
      http.close();
      admin.close(Duration.ofSeconds(5));
      serde.close();
      throw e;
    }
    LOG.info("retrieval service: indexing {} as {}, state in {}, queries on http://{}:{}/api/similar",
        cfg.topics().embeddings(), settings.applicationId(), stateDir, settings.bindAddress(), http.port());
    return new RetrievalService(index, streams, serde, http, refused, admin, stateDir, registry, streamsMetrics);
  }

  /**
   * {@code <java.io.tmpdir>/anyup-streams/serve/<application id>/<cluster id>}: Kafka Streams' own default,
   * {@code /tmp/kafka-streams/<application id>}, is shared by every run with that id, so a {@code serve} started
   * against a fresh broker restored its store (and answered) from the previous cluster's embeddings.
   */
  static Path defaultStateDir(String applicationId, String clusterId) {
    return Path.of(System.getProperty("java.io.tmpdir"), "anyup-streams", "serve", safe(applicationId),
        safe(clusterId));
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static String clusterId(Admin admin, String bootstrap) {
    try {
      return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the cluster id of " + bootstrap + " (it names serve's state "
          + "directory; set one with --state-dir to start anyway): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the cluster id of " + bootstrap, e);
    }
  }

  /** The other members' {@code application.server} addresses, from Kafka Streams metadata. */
  private static Collection<HostInfo> peers(KafkaStreams streams, HostInfo self) {
    Set<HostInfo> out = new LinkedHashSet<>();
    for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
      HostInfo h = m.hostInfo();
      if (!h.equals(self) && !h.equals(HostInfo.unavailable())) {
        out.add(h);
      }
    }
    return out;
  }

  /** The embeddings topic's partition count, read at most every 10 s (topics grow rarely). */
  private static IntSupplier partitionCount(Admin admin, String topic) {
    long[] readAt = {Long.MIN_VALUE};
    int[] count = {-1};
    return () -> {
      synchronized (readAt) {
        long now = System.nanoTime();
        if (count[0] < 0 || now - readAt[0] > TimeUnit.SECONDS.toNanos(10)) {
          try {
            count[0] = admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic)
                .partitions().size();
            readAt[0] = now;
          } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topic " + topic, e);
          }
        }
        return count[0];
      }
    };
  }

  static Properties streamsProperties(AppConfig cfg, Settings settings) {
    Properties p = cfg.streamsProperties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
    // puts by image id are idempotent: replaying a record after a crash changes nothing
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    // a record that is not an ImageEmbedding is skipped with Kafka Streams' own log line and skipped-records metric
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    p.remove("errors.dead.letter.queue.topic.name");
    return p;
  }

  /** The index the queries read (tests, the console). */
  public EmbeddingIndex index() {
    return index;
  }

  /** Embeddings the index refused (another dimension, an all-zero vector), each logged. */
  public long refused() {
    return refused.get();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The HTTP port (useful with port 0). */
  public int port() {
    return http.port();
  }

  /** Kafka Streams' state directory this service uses. */
  public Path stateDir() {
    return stateDir;
  }

  /** What {@code serve} answers: the endpoint list at {@code /}, instead of the JDK's HTML 404 page. */
  static final String ROOT_TEXT = "anyup-streams serve: similar-image search over the embeddings topic\n"
      + "GET  /api/similar?image=ID&k=N[&source=S][&from=T][&to=T]   neighbours of a stored image (JSON)\n"
      + "POST /api/similar?k=N  (body: the raw image bytes; with --allow-upload)   neighbours of an uploaded image\n"
      + "GET  /health   liveness\n"
      + "GET  /ready    ready once the index is loaded (with the embedding count)\n"
      + "GET  /metrics  Prometheus: anyup_serve_index_embeddings, anyup_serve_embeddings_refused_total, kafka_stream_*\n";

  /** The index's size gauge. */
  static final String INDEX_SIZE_METER = "anyup.serve.index.embeddings";
  /** Records the index refused. */
  static final String REFUSED_METER = "anyup.serve.embeddings.refused";

  /** {@code /}: the endpoint list; any other unknown path: 404 as JSON {"error": ...} naming the path. */
  static void root(com.sun.net.httpserver.HttpExchange ex) throws IOException {
    if (ex.getRequestURI().getPath().equals("/")) {
      text(ex, 200, ROOT_TEXT);
    } else {
      SimilarityApi.send(ex, 404, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
          .put("error", "no page " + ex.getRequestURI().getPath() + " (GET / lists the endpoints)"));
    }
  }

  private static void text(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Stops HTTP, then Streams (leaving the group), then the serde. */
  @Override
  public void close() {
    http.close();
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    admin.close(Duration.ofSeconds(5));
    serde.close();
    streamsMetrics.close();
    registry.close();
  }
}
