package dev.anyup.streams.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code serve} answers {@code /} with its endpoints and an unknown path with a JSON error, not the JDK's page. */
class ServeRootPageTest {
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", RetrievalService::root);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.getAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void rootListsTheEndpoints() throws Exception {
    HttpResponse<String> r = get("/");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("GET  /api/similar?image=ID&k=N") && r.body().contains("/ready"), r.body());
  }

  @Test
  void anUnknownPathIsAJsonErrorNamingIt() throws Exception {
    HttpResponse<String> r = get("/nope");
    assertEquals(404, r.statusCode());
    assertEquals("no page /nope (GET / lists the endpoints)",
        new ObjectMapper().readTree(r.body()).get("error").asText());
  }
}
