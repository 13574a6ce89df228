package dev.anyup.streams.console;

import static dev.anyup.streams.console.ConsoleTestData.deadLetter;
import static dev.anyup.streams.console.ConsoleTestData.dense;
import static dev.anyup.streams.console.ConsoleTestData.event;
import static dev.anyup.streams.console.ConsoleTestData.labelMap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.models.segmentation.PixelSimilarity;
import dev.anyup.streams.retrieval.EmbeddingIndex;
import dev.anyup.streams.retrieval.SimilarityApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsoleServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private ConsoleView view;
  private ConsoleServer server;
  private DenseFeatures record;

  @BeforeEach
  void start() {
    view = new ConsoleView(4, d -> new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    record = dense("img-1", "cam", 3);
    view.add(labelMap("img-1", "cam"));
    view.add(event("img-1", "cam"), record);
    view.add(deadLetter(null, new byte[] {7, 7, 7}));
    server = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(), null);
  }

  @AfterEach
  void stop() {
    server.close();
    view.close();
  }

  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonNode json(String path, int status) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = get(path);
    assertEquals(status, r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    return JSON.readTree(r.body());
  }

  @Test
  void servesThePageAndItsScriptFromTheJar() throws Exception {
    HttpResponse<byte[]> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(new String(page.body(), java.nio.charset.StandardCharsets.UTF_8).contains("console.js"));
    assertEquals(200, get("/console.js").statusCode());
    assertEquals(200, get("/console.css").statusCode());
    assertEquals(404, get("/nothing.html").statusCode());
  }

  @Test
  void segmentAnswersTheClickSegmenterSimilaritiesExactly() throws Exception {
    JsonNode s = json("/api/segment?image=img-1&x=5.5&y=2.5&threshold=0.3", 200);
    PixelSimilarity.Segmentation expected = ClickSegmenter.segment(record, 5.5, 2.5, 0.3);
    assertEquals(expected.featureX(), s.get("feature_x").asInt());
    assertEquals(expected.featureY(), s.get("feature_y").asInt());
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s.get("similarity_f32le").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] got = new float[b.remaining() / 4];
    b.asFloatBuffer().get(got);
    assertArrayEquals(expected.similarity(), got, 0f);
  }

  @Test
  void segmentRejectsAMissingCoordinateAndAnUnknownImage() throws Exception {
    assertEquals("parameter 'y' is required", json("/api/segment?image=img-1&x=1", 400).get("error").asText());
    assertTrue(json("/api/segment?image=other&x=1&y=1", 404).get("error").asText().contains("'other'"));
  }

  @Test
  void listsTheRecentTilesAndServesTheirPictures() throws Exception {
    JsonNode recent = json("/api/recent", 200);
    JsonNode tile = recent.get("sources").get(0).get("tiles").get(0);
    assertEquals("img-1", tile.get("image_id").asText());
    assertTrue(tile.get("segmentable").asBoolean());
    assertArrayEquals(new byte[] {1, 2, 3}, get("/api/image?image=img-1").body());
    assertEquals("image/png", get("/api/features?image=img-1").headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void listsDeadLettersWithADownloadOfTheOriginalBytes() throws Exception {
    JsonNode d = json("/api/deadletters", 200).get(0);
    assertEquals("deserialize", d.get("stage").asText());
    assertEquals("invalid_image", d.get("reason").asText());
    assertEquals("cam-dl", d.get("source_id").asText(), "the record key: the source");
    assertArrayEquals(new byte[] {7, 7, 7}, get("/api/deadletter?seq=" + d.get("seq").asLong()).body());
  }

  @Test
  void aDeadLetterWhoseValueIsAnImageEventOffersTheImageItselfToo() throws Exception {
    ImageEvent e = event("photo 1.png", "cam");
    java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
    wire.write(new byte[] {0, 0, 0, 0, 42}); // magic byte, schema id 42
    var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(wire, null);
    new org.apache.avro.specific.SpecificDatumWriter<>(ImageEvent.class).write(e, encoder);
    encoder.flush();
    view.add(deadLetter("photo 1.png", wire.toByteArray()));
    JsonNode d = json("/api/deadletters", 200).get(0);
    assertEquals("image/png", d.get("image").get("content_type").asText());
    assertEquals("photo_1.png", d.get("image").get("file").asText());
    HttpResponse<byte[]> image = get("/api/deadletter?seq=" + d.get("seq").asLong() + "&as=image");
    assertArrayEquals(new byte[] {1, 2, 3}, image.body());
    assertEquals("image/png", image.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(image.headers().firstValue("Content-Disposition").orElseThrow().contains("photo_1.png"));
    assertArrayEquals(wire.toByteArray(), get("/api/deadletter?seq=" + d.get("seq").asLong()).body(),
        "the original value is still offered");
    JsonNode garbage = json("/api/deadletters", 200).get(1);
    assertFalse(garbage.has("image"), "bytes that are no ImageEvent offer no image");
  }

  @Test
  void saysSimilarImageSearchIsUnavailableWithoutAnIndex() throws Exception {
    assertFalse(json("/api/status", 200).get("similar_available").asBoolean());
    assertTrue(json("/api/similar?image=img-1", 503).get("error").asText().contains("serve"));
  }

  @Test
  void isReadOnly() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/api/recent")).POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode());
  }

  private HttpResponse<String> post(ConsoleServer on, String path, byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An index with img-1 on (1, 0) and img-2 on (0, 1); uploads embed every body as (1, 0.1). */
  private static SimilarityApi similar(boolean uploads) {
    EmbeddingIndex index = new EmbeddingIndex();
    index.put("img-1", "cam", Instant.EPOCH, new float[] {1, 0});
    index.put("img-2", "cam", Instant.EPOCH, new float[] {0, 1});
    return new SimilarityApi(index, uploads ? (id, bytes) -> new float[] {1, 0.1f} : null, 1024,
        "set console.upload.enabled: true");
  }

  @Test
  void answersSimilarImagesFromAnIndexButRefusesUploadsByDefault() throws Exception {
    try (ConsoleServer withIndex = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(),
        similar(false), false, null)) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + withIndex.port()
          + "/api/similar?image=img-1&k=2")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("img-1", JSON.readTree(r.body()).get("neighbours").get(0).get("image_id").asText());
      HttpResponse<String> upload = post(withIndex, "/api/similar?k=1", new byte[] {1, 2, 3});
      assertEquals(405, upload.statusCode(), upload.body());
      assertFalse(JSON.readTree(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + withIndex.port()
          + "/api/status")).build(), HttpResponse.BodyHandlers.ofString()).body()).get("upload_available").asBoolean());
    }
  }

  @Test
  void searchesWithAnUploadWhenUploadsAreOnAndStillRefusesOtherWrites() throws Exception {
    try (ConsoleServer uploading = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(),
        similar(true), true, null)) {
      HttpResponse<String> r = post(uploading, "/api/similar?k=2", new byte[] {1, 2, 3});
      assertEquals(200, r.statusCode(), r.body());
      JsonNode n = JSON.readTree(r.body()).get("neighbours");
      assertEquals("img-1", n.get(0).get("image_id").asText());
      assertEquals(1 / Math.sqrt(1.01), n.get(0).get("score").asDouble(), 1e-6);
      assertEquals(405, post(uploading, "/api/recent", new byte[] {1}).statusCode());
      assertEquals(413, post(uploading, "/api/similar", new byte[2048]).statusCode());
    }
  }

  @Test
  void listsEachTilesLabelMapClassesColoursAndRectangleAndServesItsOverlay() throws Exception {
    JsonNode tile = json("/api/recent", 200).get("sources").get(0).get("tiles").get(0);
    JsonNode o = tile.get("overlay");
    assertEquals("3", o.get("head_version").asText());
    assertEquals(25.0, o.get("x").asDouble(), 1e-9);
    assertEquals(50.0, o.get("width").asDouble(), 1e-9);
    assertEquals("sky", o.get("classes").get(1).get("name").asText());
    assertEquals(dev.anyup.streams.segmentation.LabelPalette.css(1), o.get("classes").get(1).get("color").asText());
    assertEquals(196, o.get("classes").get(1).get("pixels").asLong());
    HttpResponse<byte[]> png = get("/api/overlay?image=img-1");
    assertEquals(200, png.statusCode());
    assertEquals("image/png", png.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(404, get("/api/overlay?image=other").statusCode());
  }

  @Test
  void definingConceptsIsRefusedWith403AndTheReasonUnlessEnabled() throws Exception {
    JsonNode status = json("/api/status", 200);
    assertFalse(status.get("concepts_enabled").asBoolean());
    assertTrue(status.get("concepts_message").asText().contains("console.concepts.enabled"));
    HttpResponse<String> r = post(server, "/api/concepts", "{\"image_id\":\"img-1\",\"name\":\"sky\",\"box\":[0,0,2,2]}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(403, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("console.concepts.enabled: true"));
  }

  @Test
  void definesAConceptFromTheKeptOriginalAndAClickedRegion() throws Exception {
    java.util.List<Object[]> calls = new java.util.ArrayList<>();
    ConceptDefiner definer = (id, image, name, region, threshold, append) -> {
      if (name.equals("bad")) {
        throw new IllegalArgumentException("the box covers no feature pixel of image " + id);
      }
      if (name.equals("lost")) {
        throw new dev.anyup.streams.segmentation.ConceptWriteException("not acknowledged", null);
      }
      calls.add(new Object[] {id, image, name, region, threshold, append});
      return new ConceptDefiner.Defined(name, "segmentation.concepts", 41, 4, append ? 2 : 1, 0.7);
    };
    try (ConsoleServer on = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(), null, false, null,
        definer, null)) {
      HttpResponse<String> r = post(on, "/api/concepts", ("{\"image_id\":\"img-1\",\"name\":\"sky\","
          + "\"threshold\":0.7,\"points\":[[1.5,2],[3,4]],\"radius\":2}")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(41, JSON.readTree(r.body()).get("offset").asLong());
      Object[] call = calls.get(0);
      assertEquals("img-1", call[0]);
      assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) call[1], "the tile's original bytes");
      var pts = (dev.anyup.streams.segmentation.ConceptBuilder.Points) call[3];
      assertEquals(2, pts.points().size());
      assertArrayEquals(new double[] {1.5, 2}, pts.points().get(0));
      assertEquals(2.0, pts.radius());
      assertEquals(0.7, (Double) call[4]);
      assertEquals(false, call[5]);
      assertTrue(JSON.readTree(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port()
          + "/api/status")).build(), HttpResponse.BodyHandlers.ofString()).body()).get("concepts_enabled").asBoolean());

      assertEquals(400, post(on, "/api/concepts", "{\"image_id\":\"img-1\",\"name\":\"bad\",\"box\":[0,0,1,1]}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode());
      assertEquals(502, post(on, "/api/concepts", "{\"image_id\":\"img-1\",\"name\":\"lost\",\"box\":[0,0,1,1]}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode());
      assertEquals(400, post(on, "/api/concepts", "{\"image_id\":\"img-1\",\"name\":\"sky\"}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode(), "a region is required");
      HttpResponse<String> gone = post(on, "/api/concepts", "{\"image_id\":\"old\",\"name\":\"sky\",\"box\":[0,0,1,1]}"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(404, gone.statusCode());
      assertTrue(gone.body().contains("no longer kept"), gone.body());
      assertEquals(1, calls.size());
    }
  }
}
