package dev.anyup.streams.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A schema registry that demands HTTP basic auth, for tests: forwards requests carrying the expected credentials to a
 * real registry and answers 401 to any other. (Apicurio's own auth needs an OIDC server.)
 */
final class BasicAuthRegistryProxy implements AutoCloseable {
  private final HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final String target;
  private final String expected;
  private final AtomicInteger authorized = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  /** {@code registryUrl}: the real registry's Confluent API URL, e.g. {@code http://127.0.0.1:1234/apis/ccompat/v7}. */
  BasicAuthRegistryProxy(String registryUrl, String userInfo) throws IOException {
    URI u = URI.create(registryUrl);
    this.target = u.getScheme() + "://" + u.getAuthority();
    this.expected = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The proxy's URL for the same API path as the registry's. */
  String url(String registryUrl) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + URI.create(registryUrl).getRawPath();
  }

  int authorizedRequests() {
    return authorized.get();
  }

  int refusedRequests() {
    return refused.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex; InputStream in = ex.getRequestBody()) {
      byte[] body = in.readAllBytes();
      if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        refused.incrementAndGet();
        send(ex, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8),
            "application/json");
        return;
      }
      authorized.incrementAndGet();
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
          .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (type != null) {
        req.header("Content-Type", type);
      }
      try {
        HttpResponse<byte[]> r = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        send(ex, r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse("application/json"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        send(ex, 503, new byte[0], "text/plain");
      }
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
