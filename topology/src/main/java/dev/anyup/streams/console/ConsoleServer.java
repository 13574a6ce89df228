package dev.anyup.streams.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.http.BoundedHttpServer;
import dev.anyup.streams.http.HttpLimits;
import dev.anyup.streams.models.segmentation.PixelSimilarity;
import dev.anyup.streams.segmentation.ConceptBuilder;
import dev.anyup.streams.segmentation.ConceptWriteException;
import dev.anyup.streams.segmentation.LabelPalette;
import dev.anyup.streams.topology.PipelineFailure;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The web console: a read-only page ({@code GET /}: plain HTML, JS and CSS from the jar, no build step, no CDN) and
 * its JSON API on the shared HTTP layer ({@code BoundedHttpServer}), bound to {@code console.bind}:{@code
 * console.port}.
 *
 * <ul>
 *   <li>{@code GET /api/status}: whether similar-image search is available here
 *   <li>{@code GET /api/recent}: sources with their latest tiles (ids, times, whether click-to-segment and "define a
 *       concept" are possible, the label map's classes, pixel counts, colours and source rectangle when a
 *       segmentation head is on)
 *   <li>{@code GET /api/overlay?image=ID}: the tile's label map coloured with {@link LabelPalette} (RGBA PNG)
 *   <li>{@code GET /api/image?image=ID}, {@code GET /api/features?image=ID}: the original bytes and the PCA→RGB PNG
 *   <li>{@code GET /api/segment?image=ID&x=X&y=Y[&threshold=T]}: {@link ClickSegmenter} on the kept record, the
 *       similarities as little-endian float32 in base64 (exact values for the page and for tests)
 *   <li>{@code GET /api/metrics}: chart points ({@link MetricsSampler})
 *   <li>{@code GET /api/deadletters}, {@code GET /api/deadletter?seq=N}: the latest dead letters and the download of
 *       one's original value bytes
 *   <li>{@code GET /api/similar?...}: the retrieval API when an index is in this process, else 503 saying so;
 *       {@code POST /api/similar} (search with an uploaded image) only when uploads are turned on
 * </ul>
 *   <li>{@code POST /api/concepts} (JSON: {@code image_id}, {@code name}, {@code threshold}, {@code append}, and
 *       {@code box: [x, y, w, h]} or {@code points: [[x, y], ...]} with {@code radius}, in source pixels): "define a
 *       concept" from a kept tile's image through a {@link ConceptDefiner}, answered once the broker acknowledged
 *       the write; 403 with the reason when {@code console.concepts.enabled} is off
 * </ul>
 * Every other method is 405: nothing else here writes, and the one upload (which embeds an image, stores nothing) is
 * off unless configured.
 */
public final class ConsoleServer implements AutoCloseable {
  /** The default click-to-segment threshold on cosine similarity. */
  static final double DEFAULT_THRESHOLD = 0.6;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WEB = "/dev/anyup/streams/console/web/";
  /** Largest "define a concept" request body. */
  static final int MAX_CONCEPT_REQUEST_BYTES = 64 * 1024;
  private static final Map<String, String> PAGES = Map.of("/", "index.html", "/index.html", "index.html",
      "/console.js", "console.js", "/console.css", "console.css");

  private static final Set<String> READ = Set.of("GET", "HEAD");
  private static final Set<String> READ_WRITE = Set.of("GET", "HEAD", "POST");

  private final BoundedHttpServer server;
  private final ScheduledExecutorService sampling;

  private ConsoleServer(BoundedHttpServer server, ScheduledExecutorService sampling) {
    this.server = server;
    this.sampling = sampling;
  }

  /** Binds {@code bind:port} (0 = any free port) and starts serving, read-only, {@code similar} as in the other. */
  public static ConsoleServer start(String bind, int port, ConsoleView view, MeterRegistry registry,
      HttpHandler similar) {
    return start(bind, port, view, registry, similar, false, null);
  }

  /**
   * Binds {@code bind:port} (0 = any free port) and starts serving.
   *
   * @param similar the retrieval API's handler when an index is in this process, or null
   * @param uploads whether {@code POST /api/similar} reaches {@code similar} (else 405: read-only)
   * @param noSimilar why there is no similar-image search (null: the default message, pointing at {@code serve})
   */
  public static ConsoleServer start(String bind, int port, ConsoleView view, MeterRegistry registry,
      HttpHandler similar, boolean uploads, String noSimilar) {
    return start(bind, port, view, registry, similar, uploads, noSimilar, null, null);
  }

  /**
   * Binds {@code bind:port} (0 = any free port) and starts serving.
   *
   * @param similar the retrieval API's handler when an index is in this process, or null
   * @param uploads whether {@code POST /api/similar} reaches {@code similar} (else 405: read-only)
   * @param noSimilar why there is no similar-image search (null: the default message, pointing at {@code serve})
   * @param concepts what "define a concept" calls, or null when it is off ({@code POST /api/concepts} is then 403)
   * @param noConcepts why defining concepts is off (null: the default message, naming the key)
   */
  public static ConsoleServer start(String bind, int port, ConsoleView view, MeterRegistry registry,
      HttpHandler similar, boolean uploads, String noSimilar, ConceptDefiner concepts, String noConcepts) {
    return start(bind, port, view, registry, similar, uploads, noSimilar, concepts, noConcepts,
        HttpLimits.defaults());
  }

  /** As the other, with the port's {@code limits} ({@code http.*} keys). */
  public static ConsoleServer start(String bind, int port, ConsoleView view, MeterRegistry registry,
      HttpHandler similar, boolean uploads, String noSimilar, ConceptDefiner concepts, String noConcepts,
      HttpLimits limits) {
    if (uploads && similar == null) {
      throw new IllegalArgumentException("console uploads need a similar-image handler but there is none");
    }
    BoundedHttpServer server = BoundedHttpServer.create("console (console.bind, console.port)", bind, port,
        limits);
    MetricsSampler sampler = new MetricsSampler(registry);
    ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "anyup-console-meters"));
    sampling.scheduleAtFixedRate(() -> sampler.sample(System.currentTimeMillis()), 0, 1, TimeUnit.SECONDS);
    server.route("/", READ, readOnly(ex -> page(ex)));
    server.route("/api/recent", READ, readOnly(ex -> json(ex, 200, recent(view))));
    server.route("/api/image", READ, readOnly(ex -> tileBytes(ex, view, false)));
    server.route("/api/features", READ, readOnly(ex -> tileBytes(ex, view, true)));
    server.route("/api/segment", READ, readOnly(ex -> segment(ex, view)));
    server.route("/api/overlay", READ, readOnly(ex -> overlay(ex, view)));
    String conceptsOff = noConcepts != null ? noConcepts : "defining concepts is off in this console: set "
        + "console.concepts.enabled: true to let it write to the concepts topic";
    server.route("/api/concepts", READ_WRITE, conceptsHandler(view, concepts, conceptsOff));
    server.route("/api/metrics", READ, readOnly(ex -> json(ex, 200, metrics(sampler, view))));
    server.route("/api/deadletters", READ, readOnly(ex -> json(ex, 200, deadLetters(view))));
    server.route("/api/deadletter", READ, readOnly(ex -> deadLetterBytes(ex, view)));
    String noIndex = noSimilar != null ? noSimilar : "similar-image search is not available in this process: it has "
        + "no retrieval index (run `anyup-streams serve`, which answers GET /api/similar)";
    server.route("/api/status", READ, readOnly(ex -> {
      String down = similar instanceof SimilarAvailability a ? a.unavailable().orElse(null) : null;
      json(ex, 200, JSON.createObjectNode()
        .put("similar_available", similar != null && down == null)
        .put("similar_message", similar == null ? noIndex : down != null ? down : "")
        .put("upload_available", uploads).put("segmentable_images", ConsoleView.SEGMENTABLE)
        .put("concepts_enabled", concepts != null).put("concepts_message", concepts != null ? "" : conceptsOff));
    }));
    server.route("/api/similar", similar != null && uploads ? READ_WRITE : READ,
        similar == null ? readOnly(ex -> json(ex, 503, message(noIndex)))
        : uploads ? uploading(similar) : readOnly(similar));
    return new ConsoleServer(server.start(), sampling);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public int port() {
    return server.port();
  }

  private static HttpHandler readOnly(HttpHandler h) {
    return ex -> {
      try (ex) {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
          ex.getResponseHeaders().set("Allow", "GET, HEAD");
          json(ex, 405, message("the console is read-only: " + ex.getRequestMethod() + " is not served"));
          return;
        }
        try {
          h.handle(ex);
        } catch (IllegalArgumentException e) {
          json(ex, 400, message(e.getMessage()));
        }
      }
    };
  }

  /** GET, HEAD and POST reach {@code h} (which answers POST itself); anything else is 405. */
  private static HttpHandler uploading(HttpHandler h) {
    return ex -> {
      String m = ex.getRequestMethod();
      if (m.equals("POST")) {
        h.handle(ex);
      } else {
        readOnly(h).handle(ex);
      }
    };
  }

  private static void page(HttpExchange ex) throws IOException {
    String name = PAGES.get(ex.getRequestURI().getPath());
    if (name == null) {
      json(ex, 404, message("no page " + ex.getRequestURI().getPath()));
      return;
    }
    byte[] body;
    try (InputStream in = ConsoleServer.class.getResourceAsStream(WEB + name)) {
      if (in == null) {
        throw new IllegalStateException("console resource " + WEB + name + " is missing from the jar");
      }
      body = in.readAllBytes();
    }
    String type = name.endsWith(".html") ? "text/html; charset=utf-8"
        : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    send(ex, 200, type, body);
  }

  private static ObjectNode recent(ConsoleView view) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode sources = root.putArray("sources");
    for (Map.Entry<String, List<ConsoleView.Tile>> e : view.recent().entrySet()) {
      ObjectNode s = sources.addObject().put("source_id", e.getKey());
      ArrayNode tiles = s.putArray("tiles");
      for (ConsoleView.Tile t : e.getValue()) {
        ObjectNode tn = tiles.addObject().put("seq", t.seq()).put("image_id", t.imageId())
            .put("capture_millis", t.captureMillis())
            .put("processed_millis", t.processedMillis()).put("source_width", t.sourceWidth())
            .put("source_height", t.sourceHeight()).put("segmentable", view.segmentable(t.imageId()))
            .put("definable", view.definable(t.imageId()));
        tn.putObject("model_input").put("x", t.modelInput().x()).put("y", t.modelInput().y())
            .put("width", t.modelInput().width()).put("height", t.modelInput().height());
        if (t.overlay() != null) {
          putOverlay(tn, t.overlay());
        }
      }
    }
    root.put("dropped", view.dropped());
    root.put("skipped", view.skipped());
    return root;
  }

  private static void putOverlay(ObjectNode tile, ConsoleView.Overlay o) {
    ObjectNode n = tile.putObject("overlay").put("head_kind", o.headKind())
        .put("head_name", o.headName()).put("head_version", o.headVersion()).put("x", o.x()).put("y", o.y())
        .put("width", o.width()).put("height", o.height());
    ArrayNode classes = n.putArray("classes");
    for (int i = 0; i < o.classNames().size(); i++) {
      classes.addObject().put("label", i).put("name", o.classNames().get(i)).put("color", LabelPalette.css(i))
          .put("pixels", i < o.counts().size() ? o.counts().get(i) : 0);
    }
  }

  private static void overlay(HttpExchange ex, ConsoleView view) throws IOException {
    String id = required(query(ex), "image");
    Optional<ConsoleView.Tile> tile = view.tile(id);
    if (tile.isEmpty() || tile.get().overlay() == null) {
      json(ex, 404, message("image '" + id + "' has no label map among the recent images"));
      return;
    }
    ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
    send(ex, 200, "image/png", tile.get().overlay().png());
  }

  /** GET: whether defining is on; POST: define (403 with {@code off} when {@code concepts} is null); else 405. */
  private static HttpHandler conceptsHandler(ConsoleView view, ConceptDefiner concepts, String off) {
    HttpHandler status = readOnly(ex -> json(ex, 200, JSON.createObjectNode().put("enabled", concepts != null)
        .put("message", concepts != null ? "" : off)));
    return ex -> {
      if (!ex.getRequestMethod().equals("POST")) {
        status.handle(ex);
        return;
      }
      try (ex) {
        if (concepts == null) {
          json(ex, 403, message(off));
          return;
        }
        try {
          define(ex, view, concepts);
        } catch (IllegalArgumentException e) {
          json(ex, 400, message(e.getMessage()));
        } catch (PipelineFailure e) {
          json(ex, 422, message(e.getMessage()));
        } catch (ConceptWriteException e) {
          json(ex, 502, message(e.getMessage()));
        }
      }
    };
  }

  private static void define(HttpExchange ex, ConsoleView view, ConceptDefiner concepts) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_CONCEPT_REQUEST_BYTES + 1);
    }
    if (body.length > MAX_CONCEPT_REQUEST_BYTES) {
      json(ex, 413, message("a concept request must be at most " + MAX_CONCEPT_REQUEST_BYTES + " bytes"));
      return;
    }
    JsonNode req;
    try {
      req = JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the request is not JSON: " + e.getMessage(), e);
    }
    if (req == null || !req.isObject()) {
      throw new IllegalArgumentException("the request must be a JSON object");
    }
    String id = text(req, "image_id");
    String name = text(req, "name");
    Double threshold = req.hasNonNull("threshold") ? req.get("threshold").asDouble() : null;
    boolean append = req.path("append").asBoolean(false);
    ConceptBuilder.Region region = region(req);
    Optional<byte[]> image = view.original(id);
    if (image.isEmpty()) {
      json(ex, 404, message("image '" + id + "' is no longer kept by the console: pick a newer image"));
      return;
    }
    ConceptDefiner.Defined d = concepts.define(id, image.get(), name, region, threshold, append);
    json(ex, 200, JSON.createObjectNode().put("name", d.name()).put("topic", d.topic()).put("offset", d.offset())
        .put("dimension", d.dimension()).put("prototypes", d.prototypes()).put("threshold", d.threshold())
        .put("image_id", id));
  }

  private static String text(JsonNode req, String field) {
    JsonNode n = req.get(field);
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw new IllegalArgumentException("'" + field + "' is required (a non-blank string)");
    }
    return n.asText();
  }

  private static ConceptBuilder.Region region(JsonNode req) {
    JsonNode box = req.get("box");
    JsonNode points = req.get("points");
    if ((box == null) == (points == null)) {
      throw new IllegalArgumentException("give either 'box' [x, y, w, h] or 'points' [[x, y], ...] (source pixels)");
    }
    if (box != null) {
      if (!box.isArray() || box.size() != 4 || !allNumbers(box)) {
        throw new IllegalArgumentException("'box' must be [x, y, w, h] in source pixels");
      }
      return new ConceptBuilder.Box(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
          box.get(3).asDouble());
    }
    if (!points.isArray() || points.isEmpty()) {
      throw new IllegalArgumentException("'points' must be a non-empty list of [x, y] in source pixels");
    }
    List<double[]> ps = new ArrayList<>();
    for (JsonNode p : points) {
      if (!p.isArray() || p.size() != 2 || !allNumbers(p)) {
        throw new IllegalArgumentException("each point must be [x, y] in source pixels");
      }
      ps.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
    }
    return new ConceptBuilder.Points(ps, req.path("radius").asDouble(0));
  }

  private static boolean allNumbers(JsonNode a) {
    for (JsonNode n : a) {
      if (!n.isNumber()) {
        return false;
      }
    }
    return true;
  }

  private static void tileBytes(HttpExchange ex, ConsoleView view, boolean features) throws IOException {
    String id = required(query(ex), "image");
    Optional<ConsoleView.Tile> tile = view.tile(id);
    if (tile.isEmpty()) {
      json(ex, 404, message("image '" + id + "' is not among the recent images"));
      return;
    }
    ConsoleView.Tile t = tile.get();
    ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
    send(ex, 200, features ? "image/png" : t.contentType(), features ? t.featurePng() : t.image());
  }

  private static void segment(HttpExchange ex, ConsoleView view) throws IOException {
    Map<String, String> q = query(ex);
    String id = required(q, "image");
    double x = number(q, "x", Double.NaN);
    double y = number(q, "y", Double.NaN);
    double threshold = number(q, "threshold", DEFAULT_THRESHOLD);
    Optional<DenseFeatures> d = view.features(id);
    if (d.isEmpty()) {
      json(ex, 404, message("image '" + id + "' is not one of the last " + ConsoleView.SEGMENTABLE
          + " images, whose features the console keeps for click-to-segment"));
      return;
    }
    PixelSimilarity.Segmentation s = ClickSegmenter.segment(d.get(), x, y, threshold);
    ByteBuffer b = ByteBuffer.allocate(4 * s.similarity().length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : s.similarity()) {
      b.putFloat(v);
    }
    ObjectNode root = JSON.createObjectNode().put("image_id", id).put("x", x).put("y", y)
        .put("width", s.width()).put("height", s.height()).put("feature_x", s.featureX())
        .put("feature_y", s.featureY()).put("threshold", s.threshold())
        .put("similarity_f32le", Base64.getEncoder().encodeToString(b.array()));
    json(ex, 200, root);
  }

  private static ObjectNode metrics(MetricsSampler sampler, ConsoleView view) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode points = root.putArray("points");
    for (MetricsSampler.Point p : sampler.points()) {
      ObjectNode o = points.addObject().put("millis", p.millis()).put("images_per_second", p.imagesPerSecond());
      putFinite(o, "p50_ms", p.p50Millis());
      putFinite(o, "p99_ms", p.p99Millis());
      putFinite(o, "batch_mean", p.batchMean());
      putFinite(o, "input_lag", p.inputLag());
      ObjectNode dead = o.putObject("dead_letters");
      p.deadLetters().forEach(dead::put);
    }
    ArrayNode frames = root.putArray("frames");
    for (MetricsSampler.Frames f : sampler.frames()) {
      ObjectNode o = frames.addObject().put("source_id", f.source()).put("processed", f.processed());
      putFinite(o, "age_mean_ms", f.ageMeanMillis());
      putFinite(o, "age_max_ms", f.ageMaxMillis());
      ObjectNode skipped = o.putObject("skipped");
      f.skipped().forEach(skipped::put);
    }
    root.put("dropped", view.dropped());
    return root;
  }

  private static void putFinite(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  private static ArrayNode deadLetters(ConsoleView view) {
    ArrayNode out = JSON.createArrayNode();
    for (ConsoleView.DeadLetterEntry e : view.deadLetters()) {
      ObjectNode o = out.addObject().put("seq", e.seq()).put("stage", e.letter().stage()).put("reason", e.letter().reason())
          .put("message", e.letter().message()).put("image_id", e.letter().imageId())
          // the input key is the source id (the record key of every camera feed); null for a keyless record
          .put("source_id", e.letter().key() == null ? null
              : new String(e.letter().key(), java.nio.charset.StandardCharsets.UTF_8))
          .put("timestamp", e.letter().timestamp()).put("bytes", e.originalBytes())
          .put("downloadable", e.value() != null);
      if (e.value() != null) {
        // the image inside the value, when it decodes: offered as a file of its own type beside the value
        DeadLetterImage.decode(e.value()).ifPresent(ev -> o.putObject("image")
            .put("content_type", String.valueOf(ev.getContentType())).put("file", DeadLetterImage.fileName(ev)));
      }
    }
    return out;
  }

  private static void deadLetterBytes(HttpExchange ex, ConsoleView view) throws IOException {
    long seq = (long) number(query(ex), "seq", Double.NaN);
    for (ConsoleView.DeadLetterEntry e : view.deadLetters()) {
      if (e.seq() == seq && e.value() != null) {
        if ("image".equals(query(ex).get("as"))) {
          Optional<dev.anyup.streams.avro.ImageEvent> ev = DeadLetterImage.decode(e.value());
          if (ev.isEmpty()) {
            json(ex, 404, message("dead letter " + seq + "'s value is not an ImageEvent this console can read: "
                + "download the original value instead"));
            return;
          }
          ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\""
              + DeadLetterImage.fileName(ev.get()) + "\"");
          send(ex, 200, String.valueOf(ev.get().getContentType()), DeadLetterImage.bytes(ev.get()));
          return;
        }
        // the record value as it was on the input topic (registry wire format: magic byte, schema id, Avro)
        ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"dead-letter-" + seq
            + "-value.avro\"");
        send(ex, 200, "application/octet-stream", e.value());
        return;
      }
    }
    json(ex, 404, message("dead letter " + seq + " is not kept (or was larger than "
        + ConsoleView.MAX_DEAD_LETTER_BYTES + " bytes)"));
  }

  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> out = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String part : raw.split("&")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("parameter '" + name + "' is required");
    }
    return v;
  }

  private static double number(Map<String, String> q, String name, double fallback) {
    String v = q.get(name);
    if (v == null) {
      if (Double.isNaN(fallback)) {
        throw new IllegalArgumentException("parameter '" + name + "' is required");
      }
      return fallback;
    }
    try {
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter '" + name + "' must be a number but was '" + v + "'", e);
    }
  }

  private static ObjectNode message(String text) {
    // the same shape as /api/similar's errors (serve's and the console's): {"error": "..."}
    return JSON.createObjectNode().put("error", text);
  }

  private static void json(HttpExchange ex, int status, Object body) throws IOException {
    send(ex, status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    sampling.shutdownNow();
    server.close();
  }
}
