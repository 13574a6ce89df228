package dev.anyup.streams.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BoundedHttpServerTest {
  private static final HttpLimits SHORT =
      new HttpLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), 8, 1, Duration.ofMillis(500));
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private BoundedHttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private final CountDownLatch entered = new CountDownLatch(1);

  private BoundedHttpServer started(HttpLimits limits, CountDownLatch release) {
    server = BoundedHttpServer.create("test port (test.bind)", "127.0.0.1", 0, limits)
        .probe("/health", ex -> reply(ex, "ok"))
        .route("/work", Set.of("GET"), ex -> {
          entered.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(ex, "done");
        })
        .route("/tree/", Set.of("GET"), ex -> reply(ex, "below: " + ex.getRequestURI().getPath()))
        .route("/upload", Set.of("POST"), ex -> {
          try (InputStream in = ex.getRequestBody()) {
            reply(ex, "read " + in.readAllBytes().length);
          } catch (IOException e) {
            ex.sendResponseHeaders(400, -1);
          }
        })
        .start();
    return server;
  }

  private static void reply(HttpExchange ex, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestBetweenBindAndStartIsAnsweredByTheRoutesOnceStarted() throws Exception {
    // serve binds early (its port goes into Kafka Streams' application.server) and answers only after Streams starts
    server = BoundedHttpServer.create("test port (test.bind)", "127.0.0.1", 0, SHORT).bind();
    assertTrue(server.port() > 0, "bound port " + server.port());
    CompletableFuture<HttpResponse<String>> early = client.sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/tree/x")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    server.route("/tree/", Set.of("GET"), ex -> reply(ex, "below: " + ex.getRequestURI().getPath())).start();
    HttpResponse<String> r = early.get(5, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("below: /tree/x", r.body());
  }

  @Test
  void closeReleasesAPortBoundButNeverStarted() throws Exception {
    BoundedHttpServer bound = BoundedHttpServer.create("test port (test.bind)", "127.0.0.1", 0, SHORT).bind();
    int port = bound.port();
    bound.close();
    try (java.net.ServerSocket again = new java.net.ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", port)); // throws BindException while the port is held
      assertEquals(port, again.getLocalPort());
    }
  }

  @Test
  void servesThePathsBelowARouteEndingInASlash() throws Exception {
    started(SHORT, new CountDownLatch(0));
    assertEquals("below: /tree/vector", send("GET", "/tree/vector").body());
    assertEquals(404, send("GET", "/treetop").statusCode());
  }

  @Test
  void answersAnotherMethodWith405AndAllow() throws Exception {
    started(SHORT, new CountDownLatch(0));
    HttpResponse<String> r = send("DELETE", "/work");
    assertEquals(405, r.statusCode());
    assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
    HttpResponse<String> probe = send("POST", "/health");
    assertEquals(405, probe.statusCode());
    assertEquals("GET, HEAD", probe.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void answersProbesWhileEveryWorkerIsBusyAndQueuedRequests503AfterTheQueueTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    started(SHORT, release);
    var busy = client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/work"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(entered.await(5, TimeUnit.SECONDS), "the one worker is busy");
    long queued = System.nanoTime();
    assertEquals(503, send("GET", "/work").statusCode(), "a second request beyond the one worker, after the queue");
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queued);
    assertTrue(waitedMs >= 400 && waitedMs < 2_000, "503 after the 500 ms queue timeout, not after " + waitedMs + " ms");
    long t0 = System.nanoTime();
    assertEquals(200, send("GET", "/health").statusCode(), "the probe has its own threads");
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "the probe answered within 1 s");
    release.countDown();
    assertEquals("done", busy.get(5, TimeUnit.SECONDS).body());
  }

  @Test
  void queuesRequestsBeyondTheWorkersInsteadOfRefusingThem() throws Exception {
    started(new HttpLimits(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 512, 2,
        Duration.ofSeconds(5)), new CountDownLatch(0));
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/work"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    long ok = 0;
    for (CompletableFuture<HttpResponse<String>> a : answers) {
      ok += a.get(15, TimeUnit.SECONDS).statusCode() == 200 ? 1 : 0;
    }
    assertEquals(200, ok, "200 concurrent requests on 2 workers all answered 200");
  }

  @Test
  void closesAHalfSentRequestAfterTheHeaderTimeout() throws Exception {
    started(SHORT, new CountDownLatch(0));
    try (SlowClients slow = new SlowClients(server.port(), 2, 2, Duration.ofSeconds(10))) {
      Duration closed = slow.awaitAllClosed();
      assertTrue(closed.compareTo(Duration.ofMillis(2_500)) < 0,
          "closed within the 1 s header timeout plus a scheduler tick, but took " + closed);
    }
  }

  @Test
  void closesAKeepAliveConnectionAfterTheIdleTimeout() throws Exception {
    started(SHORT, new CountDownLatch(0));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[1024];
      int total = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        total += n;
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(total > 0, "the request was answered first");
      assertTrue(ms >= 1_500 && ms < 3_500, "closed after the 2 s idle timeout, but after " + ms + " ms");
    }
  }

  @Test
  void cutsATrickledBodyAtTheBodyTimeout() throws Exception {
    started(SHORT, new CountDownLatch(0));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      String answer = "";
      InputStream in = s.getInputStream();
      for (int i = 0; i < 50 && answer.isEmpty(); i++) {
        out.write('x');
        out.flush();
        Thread.sleep(100); // the trickle's pace is what is tested
        if (in.available() > 0) {
          answer = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
        }
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(answer.startsWith("HTTP/1.1 400"), "the handler saw a broken body: " + answer);
      assertTrue(ms < 2_500, "cut after the 1 s body timeout, but after " + ms + " ms");
    }
  }

  @Test
  void refusesConnectionsOverTheCapAtOnce() throws Exception {
    started(new HttpLimits(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 2, 1, Duration.ofSeconds(1)),
        new CountDownLatch(0));
    try (SlowClients slow = new SlowClients(server.port(), 2, 0, Duration.ofSeconds(10));
        Socket third = new Socket()) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 2);
      third.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
      third.setSoTimeout(5_000);
      long t0 = System.nanoTime();
      int read;
      try {
        read = third.getInputStream().read();
      } catch (IOException reset) {
        read = -1;
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(-1, read, "closed without an answer");
      assertTrue(ms < 1_000, "refused at once, not after " + ms + " ms");
      assertEquals(1, server.refusedConnections());
      assertEquals(2, slow.open(), "the two within the cap are still open");
    }
  }
}
