package dev.anyup.streams.app;

import com.sun.net.httpserver.HttpExchange;
import dev.anyup.streams.http.BoundedHttpServer;
import dev.anyup.streams.http.HttpLimits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Operations endpoints on the shared {@link BoundedHttpServer} layer: {@code GET /health} (200 while the process
 * lives: liveness), {@code GET /ready} (200 while the readiness rule holds, else 503, with the reason in the body;
 * the app's rule is {@link ReadinessProbe}) and {@code GET /metrics} (Prometheus text).
 */
final class OpsHttpServer implements AutoCloseable {
  private final BoundedHttpServer server;

  private OpsHttpServer(BoundedHttpServer server) {
    this.server = server;
  }

  /** Binds {@code 0.0.0.0:port} (0 = any free port) and starts serving; {@code /health} always answers 200. */
  static OpsHttpServer start(int port, PrometheusMeterRegistry registry, Supplier<ReadinessProbe.Verdict> ready) {
    return start(port, registry, ready, () -> ReadinessProbe.Verdict.ready("ok"));
  }

  /**
   * Like {@link #start(int, PrometheusMeterRegistry, Supplier)}; {@code /health} answers 503 with the reason while
   * {@code health} is not ready (the process cannot recover and must be restarted or fixed).
   */
  static OpsHttpServer start(int port, PrometheusMeterRegistry registry, Supplier<ReadinessProbe.Verdict> ready,
      Supplier<ReadinessProbe.Verdict> health) {
    return start("0.0.0.0", port, HttpLimits.defaults(), registry, ready, health);
  }

  /**
   * Binds {@code bind:port} ({@code http.bind}, {@code http.port}; 0 = any free port) and starts serving; {@code
   * /health} answers 503 with the reason while {@code health} is not ready.
   */
  static OpsHttpServer start(String bind, int port, HttpLimits limits, PrometheusMeterRegistry registry,
      Supplier<ReadinessProbe.Verdict> ready, Supplier<ReadinessProbe.Verdict> health) {
    BoundedHttpServer server = BoundedHttpServer.create("ops HTTP server (http.bind, http.port)", bind, port, limits);
    server.probe("/health", ex -> {
      ReadinessProbe.Verdict v = health.get();
      respond(ex, v.ready() ? 200 : 503, "text/plain", v.ready() ? "ok\n" : "unhealthy: " + v.reason() + "\n");
    });
    server.probe("/ready", ex -> {
      ReadinessProbe.Verdict v = ready.get();
      respond(ex, v.ready() ? 200 : 503, "text/plain", (v.ready() ? "ready: " : "not ready: ") + v.reason() + "\n");
    });
    server.route("/metrics", Set.of("GET", "HEAD"), ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    return new OpsHttpServer(server.start());
  }

  int port() {
    return server.port();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(status, -1);
        return;
      }
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
