package dev.anyup.streams.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * A Confluent-API registry on the JDK HttpServer, backed by a {@link MockSchemaRegistry} scope. Records every
 * request (to count HTTP calls) and can be told to answer the next requests with canned error responses.
 */
final class FakeRegistryServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
  private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
  private static final Pattern COMPAT = Pattern.compile("/compatibility/subjects/([^/]+)/versions/latest");
  private static final Pattern CONFIG = Pattern.compile("/config/([^/]+)");

  record Canned(int status, String body) {}

  record Request(String method, String path, String authorization) {}

  private final HttpServer server;
  private final MockSchemaRegistry registry = MockSchemaRegistry.scope(TestRecords.uniqueScope());
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final Deque<Canned> canned = new ArrayDeque<>();

  FakeRegistryServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  MockSchemaRegistry registry() {
    return registry;
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  synchronized void answerNext(int status, String body) {
    canned.add(new Canned(status, body));
  }

  private synchronized Canned nextCanned() {
    return canned.poll();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization")));
      byte[] in = ex.getRequestBody().readAllBytes();
      Canned c = nextCanned();
      if (c == null) {
        try {
          c = new Canned(200, answer(ex.getRequestMethod(), path, in.length == 0 ? null : JSON.readTree(in)));
        } catch (SchemaRegistryException e) {
          c = new Canned(e.httpStatus(), JSON.createObjectNode()
              .put("error_code", e.errorCode()).put("message", e.serverMessage()).toString());
        }
      }
      byte[] out = c.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      ex.sendResponseHeaders(c.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        ex.getResponseBody().write(out);
      }
    }
  }

  private String answer(String method, String path, JsonNode body) {
    Matcher m;
    if (method.equals("POST") && (m = VERSIONS.matcher(path)).matches()) {
      return "{\"id\":" + registry.register(subject(m), schema(body)) + "}";
    }
    if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
      return registered(registry.latest(subject(m)));
    }
    if (method.equals("POST") && (m = SUBJECT.matcher(path)).matches()) {
      return registered(registry.lookup(subject(m), schema(body)));
    }
    if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
      Schema s = registry.schemaById(Integer.parseInt(m.group(1)));
      return JSON.createObjectNode().put("schema", s.toString()).toString();
    }
    if (method.equals("POST") && (m = COMPAT.matcher(path)).matches()) {
      return "{\"is_compatible\":" + registry.isCompatible(subject(m), schema(body)) + "}";
    }
    if (method.equals("PUT") && (m = CONFIG.matcher(path)).matches()) {
      String level = body.get("compatibility").asText();
      registry.setCompatibility(subject(m), CompatibilityLevel.valueOf(level));
      return "{\"compatibility\":\"" + level + "\"}";
    }
    throw new SchemaRegistryException(404, 404, "HTTP 404 Not Found", path, null);
  }

  private static String subject(Matcher m) {
    return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
  }

  private static Schema schema(JsonNode body) {
    return new Schema.Parser().parse(body.get("schema").asText());
  }

  private static String registered(RegisteredSchema r) {
    return JSON.createObjectNode().put("subject", r.subject()).put("id", r.id()).put("version", r.version())
        .put("schema", r.schema().toString()).toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
