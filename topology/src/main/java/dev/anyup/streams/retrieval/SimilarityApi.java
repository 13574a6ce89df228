package dev.anyup.streams.retrieval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.anyup.streams.retrieval.EmbeddingIndex.Filter;
import dev.anyup.streams.retrieval.EmbeddingIndex.Neighbour;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * {@code GET /api/similar?image=ID&k=N[&source=S][&from=T][&to=T]}: the k stored images most similar to stored image
 * ID (itself first), optionally only from source S and captured in {@code [from, to)} (ISO-8601 instants or epoch
 * milliseconds). Answers JSON: {@code {"image": ID, "k": N, "stored": n, "neighbours": [{"image_id", "source_id",
 * "capture_time", "score"}]}}; 400 naming the bad parameter, 404 for an unknown image.
 *
 * <p>{@code POST /api/similar?k=N[&source=S][&from=T][&to=T]} with image bytes as the body: the image is embedded with
 * the same models ({@link QueryEmbedder}) and its neighbours returned the same way ({@code "image": "(upload)"}). Off
 * unless an embedder is given (read-only by default): then 405 saying how to turn it on. A body over
 * {@code maxUploadBytes} is 413, an image that cannot be embedded 422 with the reason.
 *
 * <p>With several {@code serve} instances ({@link ClusterSearch}) an answer covers every partition of the embeddings
 * topic or is refused: when an instance is unreachable or a rebalance has a partition unloaded, the query is 503 with
 * {@code "missing_partitions"} and the reasons; {@code &partial=true} turns that into a 200 over the partitions that
 * answered, marked {@code "complete": false}. Every answer says {@code "complete"}.
 */
public final class SimilarityApi implements HttpHandler {
  /** Upper bound on {@code k}: a query answers a page of neighbours, not a dump of the index. */
  public static final int MAX_K = 1000;
  static final int DEFAULT_K = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How {@code serve} turns uploads on (the 405 message says it). */
  static final String SERVE_UPLOAD_HINT = "start serve with --allow-upload";

  private final NeighbourSearch search;
  private final QueryEmbedder embedder;
  private final int maxUploadBytes;
  private final String uploadHint;

  /** Read-only: {@code GET} only. */
  public SimilarityApi(EmbeddingIndex index) {
    this(index, null, 0);
  }

  /** With uploads when {@code embedder} is not null, bodies up to {@code maxUploadBytes}. */
  public SimilarityApi(EmbeddingIndex index, QueryEmbedder embedder, int maxUploadBytes) {
    this(NeighbourSearch.local(index), embedder, maxUploadBytes, SERVE_UPLOAD_HINT);
  }

  /**
   * Over one local index, uploads when {@code embedder} is not null; {@code uploadHint} tells a refused upload how to
   * turn uploads on (e.g. the console's configuration key).
   */
  public SimilarityApi(EmbeddingIndex index, QueryEmbedder embedder, int maxUploadBytes, String uploadHint) {
    this(NeighbourSearch.local(index), embedder, maxUploadBytes, uploadHint);
  }

  SimilarityApi(NeighbourSearch search, QueryEmbedder embedder, int maxUploadBytes, String uploadHint) {
    this.search = search;
    this.embedder = embedder;
    this.maxUploadBytes = maxUploadBytes;
    this.uploadHint = uploadHint;
  }

  /** A rejected request: the status and the message for the client. */
  static class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      try {
        if (method.equals("GET")) {
          send(ex, 200, answer(parse(ex.getRequestURI().getRawQuery())));
        } else if (method.equals("POST") && embedder != null) {
          send(ex, 200, upload(parse(ex.getRequestURI().getRawQuery()), ex.getRequestBody()));
        } else {
          ex.getResponseHeaders().set("Allow", embedder != null ? "GET, POST" : "GET");
          throw new BadRequest(405, method.equals("POST")
              ? "uploads are off (read-only): " + uploadHint + " to search with an uploaded image"
              : "method " + method + " is not served here");
        }
      } catch (Unavailable e) {
        ObjectNode body = error(e.getMessage());
        ArrayNode missing = body.putArray("missing_partitions");
        e.missing.forEach(missing::add);
        send(ex, 503, body);
      } catch (BadRequest e) {
        send(ex, e.status, error(e.getMessage()));
      }
    }
  }

  /** The JSON answer to a query given as decoded parameters. */
  ObjectNode answer(Map<String, String> params) throws BadRequest {
    String image = params.get("image");
    if (image == null || image.isBlank()) {
      throw new BadRequest(400, "parameter 'image' (a stored image id) is required");
    }
    int k = parseK(params.get("k"));
    Filter filter = filter(params);
    boolean partial = Boolean.parseBoolean(params.getOrDefault("partial", "false"));
    NeighbourSearch.Lookup lookup = search.vector(image);
    if (lookup.vector().isEmpty()) {
      if (!lookup.missingPartitions().isEmpty()) {
        throw new Unavailable("image '" + image + "' is not in the partitions that answered; "
            + String.join("; ", lookup.problems()), lookup.missingPartitions());
      }
      throw new BadRequest(404, "image '" + image + "' has no stored embedding");
    }
    return render(image, k, nearest(lookup.vector().get(), k, filter, partial));
  }

  /** A query whose answer would leave out partitions: 503 naming them (unless {@code partial=true} was asked). */
  static final class Unavailable extends BadRequest {
    private static final long serialVersionUID = 1L;
    final transient SortedSet<Integer> missing;

    Unavailable(String message, SortedSet<Integer> missing) {
      super(503, message);
      this.missing = missing;
    }
  }

  private NeighbourSearch.Answer nearest(float[] vector, int k, Filter filter, boolean partial) throws BadRequest {
    NeighbourSearch.Answer a;
    try {
      a = search.nearest(vector, k, filter);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(422, e.getMessage());
    }
    if (!a.complete() && !partial) {
      throw new Unavailable("not every partition of the embeddings topic answered, so the neighbours could be "
          + "incomplete: " + String.join("; ", a.problems()) + " (add partial=true for the answer of the partitions "
          + "that did)", a.missingPartitions());
    }
    return a;
  }

  /** The answer to an upload: the body embedded, then the same query as {@link #answer} without a stored image. */
  ObjectNode upload(Map<String, String> params, java.io.InputStream body) throws BadRequest, IOException {
    byte[] image = body.readNBytes(maxUploadBytes + 1);
    if (image.length > maxUploadBytes) {
      throw new BadRequest(413, "uploaded image is larger than " + maxUploadBytes + " bytes");
    }
    if (image.length == 0) {
      throw new BadRequest(400, "the request body must hold the image bytes");
    }
    int k = parseK(params.get("k"));
    Filter filter = filter(params);
    boolean partial = Boolean.parseBoolean(params.getOrDefault("partial", "false"));
    if (looksLikeMultipart(image)) {
      throw new BadRequest(422, "the body is a multipart form (curl -F), not an image: send the image bytes "
          + "themselves as the body, e.g. curl --data-binary @photo.jpg -H 'Content-Type: application/octet-stream' "
          + "'http://HOST:PORT/api/similar?k=5'");
    }
    float[] vector;
    try {
      vector = embedder.embed("(upload)", image);
    } catch (RuntimeException e) {
      throw new BadRequest(422, "cannot embed the uploaded image: " + e.getMessage());
    }
    return render("(upload)", k, nearest(vector, k, filter, partial));
  }

  /** A multipart/form-data body: a boundary line, then a part header naming a form field. */
  static boolean looksLikeMultipart(byte[] body) {
    String head = new String(body, 0, Math.min(body.length, 512), StandardCharsets.ISO_8859_1);
    return head.startsWith("--") && head.toLowerCase(java.util.Locale.ROOT).contains("content-disposition: form-data");
  }

  static Filter filter(Map<String, String> params) throws BadRequest {
    try {
      return new Filter(params.get("source"), instant("from", params.get("from")), instant("to", params.get("to")));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(400, e.getMessage());
    }
  }

  private static ObjectNode render(String image, int k, NeighbourSearch.Answer a) {
    ObjectNode out = JSON.createObjectNode();
    out.put("image", image);
    out.put("k", k);
    out.put("stored", a.stored());
    out.put("complete", a.complete());
    if (!a.complete()) {
      ArrayNode missing = out.putArray("missing_partitions");
      a.missingPartitions().forEach(missing::add);
      ArrayNode problems = out.putArray("problems");
      a.problems().forEach(problems::add);
    }
    ArrayNode list = out.putArray("neighbours");
    for (Neighbour n : a.neighbours()) {
      neighbour(list.addObject(), n);
    }
    return out;
  }

  static void neighbour(ObjectNode o, Neighbour n) {
    o.put("image_id", n.imageId());
    o.put("source_id", n.sourceId());
    o.put("capture_time", n.captureTime().toString());
    o.put("score", n.score());
  }

  static int parseK(String raw) throws BadRequest {
    if (raw == null) {
      return DEFAULT_K;
    }
    try {
      int k = Integer.parseInt(raw.trim());
      if (k >= 1 && k <= MAX_K) {
        return k;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw new BadRequest(400, "parameter 'k' must be an integer from 1 to " + MAX_K + " but was '" + raw + "'");
  }

  private static Instant instant(String name, String raw) throws BadRequest {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      return raw.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(raw)) : Instant.parse(raw);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new BadRequest(400, "parameter '" + name + "' must be an ISO-8601 instant (2026-01-31T12:00:00Z) or epoch "
          + "milliseconds but was '" + raw + "'");
    }
  }

  static Map<String, String> parse(String rawQuery) {
    Map<String, String> m = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return m;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      m.putIfAbsent(k, v);
    }
    return m;
  }

  private static ObjectNode error(String message) {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", message);
    return o;
  }

  /** Writes {@code body} as the JSON answer with {@code status} (also the peer API's answers). */
  static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
