package dev.anyup.streams.retrieval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.anyup.streams.retrieval.EmbeddingIndex.Neighbour;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Map;

/**
 * What one {@code serve} instance answers to the others ({@link ClusterSearch}), from its own index only (never
 * fanning out again): {@code GET /internal/vector?image=ID} ({@code {"partitions": [...], "vector_f32le": base64 or
 * absent}}) and {@code POST /internal/nearest?k=N[&source=S][&from=T][&to=T]} with the query vector as little-endian
 * float32 in the body ({@code {"partitions": [...], "stored": n, "neighbours": [...]}}). Both are queries: nothing is
 * written. "partitions" are the ones loaded in the index when the answer was computed.
 */
final class PeerApi implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A query vector larger than this (16k dimensions) is refused. */
  private static final int MAX_VECTOR_BYTES = 4 * 16384;

  private final EmbeddingIndex index;

  PeerApi(EmbeddingIndex index) {
    this.index = index;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      Map<String, String> params = SimilarityApi.parse(ex.getRequestURI().getRawQuery());
      try {
        if (path.equals("/internal/vector") && ex.getRequestMethod().equals("GET")) {
          String id = params.get("image");
          if (id == null || id.isEmpty()) {
            throw new SimilarityApi.BadRequest(400, "parameter 'image' is required");
          }
          ObjectNode out = JSON.createObjectNode();
          EmbeddingIndex.Found found = index.find(id);
          out.set("partitions", partitions(found.partitions()));
          found.vector().ifPresent(f -> out.put("vector_f32le", Base64.getEncoder().encodeToString(bytes(f))));
          SimilarityApi.send(ex, 200, out);
        } else if (path.equals("/internal/nearest") && ex.getRequestMethod().equals("POST")) {
          byte[] body = ex.getRequestBody().readNBytes(MAX_VECTOR_BYTES + 1);
          if (body.length == 0 || body.length % 4 != 0 || body.length > MAX_VECTOR_BYTES) {
            throw new SimilarityApi.BadRequest(400, "the body must be a query vector of little-endian float32 (at most "
                + MAX_VECTOR_BYTES + " bytes) but had " + body.length + " bytes");
          }
          float[] q = floats(body);
          EmbeddingIndex.Search s;
          try {
            s = index.search(q, SimilarityApi.parseK(params.get("k")), SimilarityApi.filter(params));
          } catch (IllegalArgumentException e) {
            throw new SimilarityApi.BadRequest(422, e.getMessage());
          }
          ObjectNode out = JSON.createObjectNode();
          out.set("partitions", partitions(s.partitions()));
          out.put("stored", s.stored());
          ArrayNode list = out.putArray("neighbours");
          for (Neighbour n : s.neighbours()) {
            SimilarityApi.neighbour(list.addObject(), n);
          }
          SimilarityApi.send(ex, 200, out);
        } else {
          throw new SimilarityApi.BadRequest(404, "no " + ex.getRequestMethod() + " " + path + " here");
        }
      } catch (SimilarityApi.BadRequest e) {
        SimilarityApi.send(ex, e.status, JSON.createObjectNode().put("error", e.getMessage()));
      }
    }
  }

  private static ArrayNode partitions(java.util.Set<Integer> ps) {
    ArrayNode a = JSON.createArrayNode();
    ps.stream().sorted().forEach(a::add);
    return a;
  }

  static byte[] bytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  static float[] floats(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.length / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  static float[] floats(String base64) {
    return floats(Base64.getDecoder().decode(base64));
  }
}
