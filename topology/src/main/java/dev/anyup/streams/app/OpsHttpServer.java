package dev.anyup.streams.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Operations endpoints on the JDK's HTTP server: {@code GET /health} (200 while the process lives: liveness),
 * {@code GET /ready} (200 while the readiness rule holds, else 503, with the reason in the body; the app's rule is
 * {@link ReadinessProbe}) and {@code GET /metrics} (Prometheus text).
 */
final class OpsHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  private OpsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
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
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the ops HTTP server to port " + port + " (http.port)", e);
    }
    server.createContext("/health", ex -> {
      ReadinessProbe.Verdict v = health.get();
      respond(ex, v.ready() ? 200 : 503, "text/plain", v.ready() ? "ok\n" : "unhealthy: " + v.reason() + "\n");
    });
    server.createContext("/ready", ex -> {
      ReadinessProbe.Verdict v = ready.get();
      respond(ex, v.ready() ? 200 : 503, "text/plain", (v.ready() ? "ready: " : "not ready: ") + v.reason() + "\n");
    });
    server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "anyup-ops-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
    return new OpsHttpServer(server, executor);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
