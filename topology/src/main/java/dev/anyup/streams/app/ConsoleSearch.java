package dev.anyup.streams.app;

import com.sun.net.httpserver.HttpHandler;
import dev.anyup.streams.console.SimilarAvailability;
import dev.anyup.streams.retrieval.BundleQueryEmbedder;
import dev.anyup.streams.retrieval.EmbeddingFollower;
import dev.anyup.streams.retrieval.SimilarityApi;
import dev.anyup.streams.topology.AppConfig;

/**
 * Similar-image search for the console of {@code run}: an {@link EmbeddingFollower} over the app's own committed
 * embeddings and, when {@code console.upload.enabled}, a {@link BundleQueryEmbedder} on a second load of the bundle
 * (uploads run on the console's HTTP threads, never on a stream thread or the pipeline's batcher). Owns both.
 */
final class ConsoleSearch implements AutoCloseable {
  static final String UPLOAD_HINT = "set console.upload.enabled: true";

  private final EmbeddingFollower follower;
  private final BundleQueryEmbedder embedder;
  private final HttpHandler handler;
  private final String unavailable;

  private ConsoleSearch(EmbeddingFollower follower, BundleQueryEmbedder embedder, HttpHandler handler,
      String unavailable) {
    this.follower = follower;
    this.embedder = embedder;
    this.handler = handler;
    this.unavailable = unavailable;
  }

  /** Starts what {@code cfg.console()} asks for; nothing when similar-image search is off or has no embeddings. */
  static ConsoleSearch start(AppConfig cfg) {
    AppConfig.Console c = cfg.console();
    if (!c.similar()) {
      return new ConsoleSearch(null, null, null, "similar-image search is off here (console.similar.enabled: "
          + "false); `anyup-streams serve` answers it from its own process");
    }
    if (!cfg.output().embeddingsEnabled()) {
      return new ConsoleSearch(null, null, null, "similar-image search needs embeddings, and this app writes none "
          + "(output.embeddings.enabled: false)");
    }
    BundleQueryEmbedder embedder = c.upload() ? new BundleQueryEmbedder(AnyupApp.loadBundle(cfg, cfg.model()), cfg)
        : null;
    EmbeddingFollower follower;
    try {
      follower = EmbeddingFollower.start(cfg, c.similarMaxEmbeddings());
    } catch (RuntimeException e) {
      if (embedder != null) {
        embedder.close();
      }
      throw e;
    }
    return new ConsoleSearch(follower, embedder, new FollowedSearch(new SimilarityApi(follower.index(), embedder,
        cfg.limits().maxImageBytes(), UPLOAD_HINT), follower), null);
  }

  /** The search API over the follower's index, which tells the console when the follower stopped. */
  record FollowedSearch(HttpHandler api, EmbeddingFollower follower) implements HttpHandler, SimilarAvailability {
    @Override
    public void handle(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
      api.handle(ex);
    }

    @Override
    public java.util.Optional<String> unavailable() {
      return follower.failure();
    }
  }

  /** The {@code /api/similar} handler, or null when there is no search here. */
  HttpHandler handler() {
    return handler;
  }

  boolean uploads() {
    return embedder != null;
  }

  /** Why there is no search here, or null. */
  String unavailable() {
    return unavailable;
  }

  @Override
  public void close() {
    if (follower != null) {
      follower.close();
    }
    if (embedder != null) {
      embedder.close();
    }
  }
}
