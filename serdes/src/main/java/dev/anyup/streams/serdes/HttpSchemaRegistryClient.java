package dev.anyup.streams.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/** {@link SchemaRegistryClient} over the Confluent REST API with the JDK HTTP client (TLS via JDK defaults). */
final class HttpSchemaRegistryClient implements SchemaRegistryClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
  private static final int MAX_BODY_IN_MESSAGE = 500;

  private record SubjectSchema(String subject, Schema schema) {}

  private final SchemaRegistryConfig config;
  private final HttpClient http;
  private final String authorization;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<SubjectSchema, Integer> registeredIds = new ConcurrentHashMap<>();
  private final Map<SubjectSchema, RegisteredSchema> lookups = new ConcurrentHashMap<>();

  HttpSchemaRegistryClient(SchemaRegistryConfig config) {
    this.config = config;
    this.http = HttpClient.newBuilder()
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    if (config.basicAuthUserInfo() != null) {
      authorization = "Basic " + Base64.getEncoder()
          .encodeToString(config.basicAuthUserInfo().getBytes(StandardCharsets.UTF_8));
    } else if (config.bearerToken() != null) {
      authorization = "Bearer " + config.bearerToken();
    } else {
      authorization = null;
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = registeredIds.get(key);
    if (cached != null) {
      return cached;
    }
    int id;
    try {
      JsonNode response = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
      id = requiredInt(response, "id", "/subjects/" + subject + "/versions");
    } catch (IncompatibleSchemaException conflict) {
      // Registries (Apicurio among them) answer 409 to the loser of two concurrent first registrations of the
      // same schema. If the schema is in fact registered now, that is success; otherwise the conflict stands.
      id = registeredByRace(subject, schema, conflict);
    }
    registeredIds.putIfAbsent(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  private int registeredByRace(String subject, Schema schema, IncompatibleSchemaException conflict) {
    try {
      return lookup(subject, schema).id();
    } catch (SchemaRegistryException notThere) {
      conflict.addSuppressed(notThere);
      throw conflict;
    }
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    RegisteredSchema cached = lookups.get(key);
    if (cached != null) {
      return cached;
    }
    String path = "/subjects/" + encode(subject);
    JsonNode response = send("POST", path, schemaBody(schema));
    RegisteredSchema found = new RegisteredSchema(subject, requiredInt(response, "id", path),
        requiredInt(response, "version", path), schema);
    lookups.putIfAbsent(key, found);
    schemasById.putIfAbsent(found.id(), schema);
    return found;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    String path = "/schemas/ids/" + id;
    Schema schema = parse(requiredText(send("GET", path, null), "schema", path), path);
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  @Override
  public RegisteredSchema latest(String subject) {
    String path = "/subjects/" + encode(subject) + "/versions/latest";
    JsonNode response = send("GET", path, null);
    int id = requiredInt(response, "id", path);
    Schema schema = schemasById.computeIfAbsent(id, k -> parse(requiredText(response, "schema", path), path));
    return new RegisteredSchema(subject, id, requiredInt(response, "version", path), schema);
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    String path = "/compatibility/subjects/" + encode(subject) + "/versions/latest";
    JsonNode response = send("POST", path, schemaBody(schema));
    JsonNode flag = response.get("is_compatible");
    if (flag == null || !flag.isBoolean()) {
      throw malformed(path, "is_compatible", response);
    }
    return flag.booleanValue();
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
    send("PUT", "/config/" + encode(subject), body);
  }

  private static ObjectNode schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Sends one request, retrying I/O failures and 5xx answers with exponential backoff, moving to the next
   * configured URL on each retry; 4xx answers are not retried.
   */
  private JsonNode send(String method, String path, JsonNode body) {
    List<URI> urls = config.urls();
    Duration backoff = config.retryBackoff();
    SchemaRegistryException last = null;
    for (int attempt = 0; attempt <= config.maxRetries(); attempt++) {
      if (attempt > 0) {
        pause(backoff, last);
        backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
      }
      String url = urls.get(attempt % urls.size()) + path;
      HttpResponse<String> response;
      try {
        response = http.send(request(method, url, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        last = new SchemaRegistryUnavailableException(0, 0,
            "request failed after " + (attempt + 1) + " attempt(s): " + e, url, e);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryUnavailableException(0, 0, "interrupted while calling the registry", url, e);
      }
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return readJson(response.body(), url);
      }
      SchemaRegistryException error = toException(status, response.body(), url);
      if (status < 500) {
        throw error;
      }
      last = new SchemaRegistryUnavailableException(status, error.errorCode(),
          error.serverMessage() + " (after " + (attempt + 1) + " attempt(s))", url, null);
    }
    throw last;
  }

  private HttpRequest request(String method, String url, JsonNode body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .timeout(config.requestTimeout())
        .header("Accept", ACCEPT);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", CONTENT_TYPE);
      b.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static void pause(Duration backoff, SchemaRegistryException last) {
    try {
      Thread.sleep(backoff.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      SchemaRegistryUnavailableException ex = new SchemaRegistryUnavailableException(0, 0,
          "interrupted while waiting to retry", last.url(), e);
      ex.addSuppressed(last);
      throw ex;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Maps an error answer to the typed exception for its Confluent error code. */
  static SchemaRegistryException toException(int status, String body, String url) {
    int code = status;
    String message = body == null ? "" : body;
    try {
      JsonNode json = JSON.readTree(message);
      if (json != null && json.isObject()) {
        if (json.hasNonNull("error_code")) {
          code = json.get("error_code").asInt(status);
        }
        if (json.hasNonNull("message")) {
          message = json.get("message").asText();
        }
      }
    } catch (IOException notJson) {
      // not a Confluent error body (e.g. a proxy's HTML page): keep the raw body as the message
      message = abbreviate(message);
    }
    if (message.isEmpty()) {
      message = "empty response body";
    }
    if (status == 401 || status == 403 || code == 40101 || code == 40301) {
      return new SchemaRegistryAuthException(status, code, message, url, null);
    }
    return switch (code) {
      case 40401 -> new SubjectNotFoundException(status, code, message, url, null);
      case 40402 -> new VersionNotFoundException(status, code, message, url, null);
      case 40403 -> new SchemaNotFoundException(status, code, message, url, null);
      case 42201 -> new InvalidSchemaException(status, code, message, url, null);
      default -> status == 409
          ? new IncompatibleSchemaException(status, code, message, url, null)
          : new SchemaRegistryException(status, code,
              status == 404 ? message + " (is the URL a Confluent-compatible registry base URL?)" : message, url, null);
    };
  }

  private static JsonNode readJson(String body, String url) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new SchemaRegistryException(200, 0, "response is not JSON: " + abbreviate(body), url, e);
    }
  }

  private static Schema parse(String text, String path) {
    try {
      return new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(200, 0, "registry returned an unparsable schema: " + e.getMessage(), path, e);
    }
  }

  private static int requiredInt(JsonNode node, String field, String path) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw malformed(path, field, node);
    }
    return v.intValue();
  }

  private static String requiredText(JsonNode node, String field, String path) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || !v.isTextual()) {
      throw malformed(path, field, node);
    }
    return v.textValue();
  }

  private static SchemaRegistryException malformed(String path, String field, JsonNode node) {
    return new SchemaRegistryException(200, 0,
        "response lacks '" + field + "': " + abbreviate(String.valueOf(node)), path, null);
  }

  private static String abbreviate(String s) {
    return s.length() <= MAX_BODY_IN_MESSAGE ? s : s.substring(0, MAX_BODY_IN_MESSAGE) + "...";
  }
}
