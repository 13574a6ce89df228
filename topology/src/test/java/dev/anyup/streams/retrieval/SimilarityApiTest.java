package dev.anyup.streams.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/similar} over HTTP against a small index. */
class SimilarityApiTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private final EmbeddingIndex index = new EmbeddingIndex();
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    index.put("a", "cam-1", T0, new float[] {1, 0});
    index.put("b", "cam-1", T0.plusSeconds(60), new float[] {0.8f, 0.6f});
    index.put("c", "cam-2", T0.plusSeconds(120), new float[] {0, 1});
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/similar", new SimilarityApi(index));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpResponse<String> get(String query) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
        + "/api/similar?" + query)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return new ObjectMapper().readTree(r.body());
  }

  @Test
  void answersNeighboursBestFirstWithTheImageItselfFirst() throws Exception {
    HttpResponse<String> r = get("image=a&k=3");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    JsonNode n = json(r).get("neighbours");
    assertEquals(3, n.size());
    assertEquals("a", n.get(0).get("image_id").asText());
    assertEquals(1.0, n.get(0).get("score").asDouble(), 1e-6);
    assertEquals("b", n.get(1).get("image_id").asText());
    assertEquals(0.8, n.get(1).get("score").asDouble(), 1e-6);
    assertEquals("c", n.get(2).get("image_id").asText());
    assertEquals(T0.toString(), n.get(0).get("capture_time").asText());
    assertEquals(3, json(r).get("stored").asInt());
  }

  @Test
  void filtersBySourceAndTimeRange() throws Exception {
    assertEquals("c", json(get("image=a&source=cam-2")).get("neighbours").get(0).get("image_id").asText());
    JsonNode range = json(get("image=a&from=" + T0.plusSeconds(30) + "&to=" + T0.plusSeconds(90)))
        .get("neighbours");
    assertEquals(1, range.size());
    assertEquals("b", range.get(0).get("image_id").asText());
    JsonNode millis = json(get("image=a&from=" + T0.plusSeconds(100).toEpochMilli())).get("neighbours");
    assertEquals("c", millis.get(0).get("image_id").asText());
  }

  @Test
  void unknownImageIs404() throws Exception {
    HttpResponse<String> r = get("image=nope");
    assertEquals(404, r.statusCode());
    assertEquals("image 'nope' has no stored embedding", json(r).get("error").asText());
  }

  @Test
  void badParametersAre400NamingThem() throws Exception {
    assertEquals("parameter 'image' (a stored image id) is required", json(get("k=3")).get("error").asText());
    HttpResponse<String> k = get("image=a&k=0");
    assertEquals(400, k.statusCode());
    assertEquals("parameter 'k' must be an integer from 1 to 1000 but was '0'", json(k).get("error").asText());
    HttpResponse<String> from = get("image=a&from=yesterday");
    assertEquals(400, from.statusCode());
    assertTrue(json(from).get("error").asText().startsWith("parameter 'from' must be an ISO-8601 instant"));
    HttpResponse<String> empty = get("image=a&from=" + T0 + "&to=" + T0);
    assertEquals(400, empty.statusCode());
    assertTrue(json(empty).get("error").asText().startsWith("time range is empty"));
  }

  @Test
  void postIsRefusedWhenUploadsAreOff() throws Exception {
    HttpResponse<String> r = post("/api/similar", new byte[3]);
    assertEquals(405, r.statusCode());
    assertEquals("GET", r.headers().firstValue("Allow").orElseThrow());
    assertEquals("uploads are off (read-only): start serve with --allow-upload to search with an uploaded image",
        json(r).get("error").asText());
  }

  @Test
  void uploadIsEmbeddedAndAnsweredLikeAStoredImage() throws Exception {
    server.createContext("/upload", new SimilarityApi(index, (id, bytes) -> {
      assertEquals(3, bytes.length, "the body reaches the embedder");
      return new float[] {0.8f, 0.6f};
    }, 1024));
    HttpResponse<String> r = post("/upload?k=2", new byte[] {1, 2, 3});
    assertEquals(200, r.statusCode(), r.body());
    JsonNode n = json(r).get("neighbours");
    assertEquals("b", n.get(0).get("image_id").asText());
    assertEquals(1.0, n.get(0).get("score").asDouble(), 1e-6);
    assertEquals("a", n.get(1).get("image_id").asText());
    assertEquals("(upload)", json(r).get("image").asText());
    assertEquals("c", json(post("/upload?source=cam-2", new byte[] {1, 2, 3})).get("neighbours").get(0)
        .get("image_id").asText());
  }

  @Test
  void uploadThatCannotBeEmbeddedIs422WithTheReason() throws Exception {
    server.createContext("/upload", new SimilarityApi(index, (id, bytes) -> {
      throw new IllegalArgumentException("not an image");
    }, 1024));
    HttpResponse<String> r = post("/upload", new byte[] {1});
    assertEquals(422, r.statusCode());
    assertEquals("cannot embed the uploaded image: not an image", json(r).get("error").asText());
  }

  @Test
  void aMultipartFormUploadIs422SayingToSendTheRawImage() throws Exception {
    server.createContext("/upload", new SimilarityApi(index, (id, bytes) -> {
      throw new IllegalArgumentException("not an image");
    }, 1024));
    byte[] form = ("--------------------------abc\r\nContent-Disposition: form-data; name=\"file\"; "
        + "filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u00ff\u00d8").getBytes(
            java.nio.charset.StandardCharsets.ISO_8859_1);
    HttpResponse<String> r = post("/upload", form);
    assertEquals(422, r.statusCode());
    String error = json(r).get("error").asText();
    assertTrue(error.contains("multipart form (curl -F)") && error.contains("--data-binary @photo.jpg"), error);
  }

  @Test
  void uploadOverTheLimitIs413() throws Exception {
    server.createContext("/upload", new SimilarityApi(index, (id, bytes) -> new float[] {1, 0}, 8));
    HttpResponse<String> r = post("/upload", new byte[9]);
    assertEquals(413, r.statusCode());
    assertEquals("uploaded image is larger than 8 bytes", json(r).get("error").asText());
  }

  private HttpResponse<String> post(String path, byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
