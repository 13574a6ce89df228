package dev.anyup.streams.retrieval;

import com.sun.net.httpserver.HttpServer;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrieval service ({@code anyup-streams serve}): a small Kafka Streams application of its own
 * ({@link RetrievalTopology}) that materialises the embeddings topic into a state store and an {@link EmbeddingIndex},
 * and an HTTP server answering {@link SimilarityApi} queries, {@code /health} and {@code /ready}.
 *
 * <p>It is separate from the feature pipeline on purpose: it needs no model, scales on its own, and a slow query never
 * holds a stream thread of the pipeline. Each instance holds every embedding (give each replica its own
 * {@code application.id}); indexing is idempotent (a put per image id), so at-least-once is enough.
 */
public final class RetrievalService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetrievalService.class);

  /**
   * How the service runs.
   *
   * @param applicationId the retrieval app's own Kafka Streams application id (one per replica)
   * @param bindAddress the HTTP server's address ({@code 127.0.0.1}: this machine only; {@code 0.0.0.0}: all)
   * @param port the HTTP port ({@code 0}: any free port)
   */
  public record Settings(String applicationId, String bindAddress, int port) {
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
    }
  }

  private final EmbeddingIndex index;
  private final KafkaStreams streams;
  private final SpecificAvroSerde<ImageEmbedding> serde;
  private final HttpServer http;
  private final ExecutorService httpThreads;
  private final AtomicLong refused;

  private RetrievalService(EmbeddingIndex index, KafkaStreams streams, SpecificAvroSerde<ImageEmbedding> serde,
      HttpServer http, ExecutorService httpThreads, AtomicLong refused) {
    this.index = index;
    this.streams = streams;
    this.serde = serde;
    this.http = http;
    this.httpThreads = httpThreads;
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
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(settings.bindAddress(), settings.port()), 16);
    } catch (IOException e) {
      serde.close();
      throw new UncheckedIOException("cannot bind the retrieval HTTP server to " + settings.bindAddress() + ":"
          + settings.port(), e);
    }
    KafkaStreams streams = new KafkaStreams(
        RetrievalTopology.build(cfg.topics().embeddings(), serde, index, refused), streamsProperties(cfg, settings));
    http.createContext("/api/similar", new SimilarityApi(index, embedder, cfg.limits().maxImageBytes()));
    http.createContext("/health", ex -> text(ex, 200, "ok\n"));
    http.createContext("/ready", ex -> {
      boolean ok = streams.state() == KafkaStreams.State.RUNNING;
      text(ex, ok ? 200 : 503, ok ? "ready: " + index.size() + " embeddings\n" : "not ready\n");
    });
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "anyup-retrieval-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(threads);
    streams.start();
    http.start();
    LOG.info("retrieval service: indexing {} as {}, queries on http://{}:{}/api/similar", cfg.topics().embeddings(),
        settings.applicationId(), settings.bindAddress(), http.getAddress().getPort());
    return new RetrievalService(index, streams, serde, http, threads, refused);
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
    return http.getAddress().getPort();
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
    http.stop(0);
    httpThreads.shutdownNow();
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    serde.close();
  }
}
