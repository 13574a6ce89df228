package dev.anyup.streams.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code /api/status} follows the similar-image index: unavailable, with the reason, once its follower stopped. */
class SimilarAvailabilityTest {
  private static final class StoppableSearch implements HttpHandler, SimilarAvailability {
    final AtomicReference<String> stopped = new AtomicReference<>();

    @Override
    public void handle(HttpExchange ex) {
      ex.close();
    }

    @Override
    public Optional<String> unavailable() {
      return Optional.ofNullable(stopped.get());
    }
  }

  @Test
  void statusSaysSimilarSearchIsUnavailableAndWhyOnceTheFollowerStopped() throws Exception {
    StoppableSearch search = new StoppableSearch();
    ConsoleView view = new ConsoleView(4, d -> new byte[0]);
    try (ConsoleServer server = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(), search)) {
      assertTrue(status(server).get("similar_available").asBoolean());
      search.stopped.set("the similar-image index stopped following images.embeddings: not authorized");
      JsonNode s = status(server);
      assertFalse(s.get("similar_available").asBoolean());
      assertEquals("the similar-image index stopped following images.embeddings: not authorized",
          s.get("similar_message").asText());
    } finally {
      view.close();
    }
  }

  private static JsonNode status(ConsoleServer server) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.port() + "/api/status")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return new ObjectMapper().readTree(r.body());
  }
}
