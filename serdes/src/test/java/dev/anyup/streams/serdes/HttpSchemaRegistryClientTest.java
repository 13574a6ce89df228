package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against a fake Confluent-API server: caching, error codes, retries, auth. */
class HttpSchemaRegistryClientTest {
  private static final Schema EVENT = ImageEvent.getClassSchema();

  private final FakeRegistryServer server;

  HttpSchemaRegistryClientTest() throws IOException {
    server = new FakeRegistryServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Map<String, Object> config(String url) {
    Map<String, Object> props = new HashMap<>();
    props.put("schema.registry.url", url);
    props.put("max.retries", 2);
    props.put("retries.wait.ms", 1);
    props.put("retries.max.wait.ms", 2);
    return props;
  }

  private SchemaRegistryClient client() {
    return SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(config(server.url())));
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void hotPathMakesNoHttpCallAfterWarmUp() {
    SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(server.url()), false);
    SpecificAvroDeserializer<ImageEvent> deserializer = new SpecificAvroDeserializer<>(ImageEvent.class);
    deserializer.configure(config(server.url()), false);

    byte[] first = serializer.serialize("images", TestRecords.imageEvent("warm-up"));
    deserializer.deserialize("images", first);
    List<FakeRegistryServer.Request> warmUp = server.requests();
    assertEquals(List.of("POST /subjects/images-value/versions", "GET /schemas/ids/1"),
        warmUp.stream().map(r -> r.method() + " " + r.path()).toList());

    for (int i = 0; i < 200; i++) {
      ImageEvent e = TestRecords.imageEvent("img-" + i);
      assertEquals(e, deserializer.deserialize("images", serializer.serialize("images", e)));
    }
    assertEquals(2, server.requests().size());
  }

  @Test
  void lookupWithoutAutoRegisterIsCachedToo() {
    server.registry().register("images-value", EVENT);
    Map<String, Object> props = config(server.url());
    props.put("auto.register.schemas", "false");
    SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
    serializer.configure(props, false);
    for (int i = 0; i < 10; i++) {
      serializer.serialize("images", TestRecords.imageEvent("img-" + i));
    }
    assertEquals(List.of("POST /subjects/images-value"),
        server.requests().stream().map(r -> r.method() + " " + r.path()).toList());
  }

  @Test
  void useLatestVersionWritesWithTheLatestId() {
    server.registry().setCompatibility("images-value", CompatibilityLevel.NONE);
    server.registry().register("images-value", ImageEmbedding.getClassSchema());
    int latest = server.registry().register("images-value", EVENT);
    Map<String, Object> props = config(server.url());
    props.put("auto.register.schemas", false);
    props.put("use.latest.version", true);
    SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
    serializer.configure(props, false);
    byte[] bytes = serializer.serialize("images", TestRecords.imageEvent("a"));
    assertEquals(latest, WireFormat.readSchemaId("images", false, null, bytes, 0, bytes.length));
  }

  @Test
  void unauthorizedIsTypedWithServerMessageAndUrlAndNotRetried() {
    server.answerNext(401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}");
    SchemaRegistryAuthException e = assertThrows(SchemaRegistryAuthException.class,
        () -> client().register("images-value", EVENT));
    assertEquals(40101, e.errorCode());
    assertEquals("Unauthorized", e.serverMessage());
    assertEquals(server.url() + "/subjects/images-value/versions", e.url());
    assertEquals(1, server.requests().size());
  }

  @Test
  void subjectNotFoundIsTyped() {
    SubjectNotFoundException e = assertThrows(SubjectNotFoundException.class, () -> client().latest("nope-value"));
    assertEquals(404, e.httpStatus());
    assertEquals(40401, e.errorCode());
    assertTrue(e.getMessage().contains(server.url() + "/subjects/nope-value/versions/latest"), e.getMessage());
  }

  @Test
  void schemaNotFoundIsTyped() {
    SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class, () -> client().schemaById(42));
    assertEquals(40403, e.errorCode());
  }

  @Test
  void incompatibleSchemaIsTypedConflict() {
    SchemaRegistryClient client = client();
    client.register("images-value", EVENT);
    client.setCompatibility("images-value", CompatibilityLevel.BACKWARD);
    assertFalse(client.isCompatible("images-value", ImageEmbedding.getClassSchema()));
    IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
        () -> client.register("images-value", ImageEmbedding.getClassSchema()));
    assertEquals(409, e.httpStatus());
  }

  @Test
  void conflictOnRegisterOfAnAlreadyRegisteredSchemaResolvesToItsId() {
    // regression: two stream threads registering the same schema at once made Apicurio answer 409 to one of them
    SchemaRegistryClient first = client();
    int id = first.register("images-value", EVENT);
    server.answerNext(409, "{\"error_code\":409,\"message\":\"concurrent registration\"}");
    assertEquals(id, client().register("images-value", EVENT));
  }

  @Test
  void conflictOnRegisterOfAnUnregisteredSchemaStaysAConflict() {
    client().register("images-value", EVENT);
    server.answerNext(409, "{\"error_code\":409,\"message\":\"incompatible\"}");
    IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
        () -> client().register("images-value", ImageEmbedding.getClassSchema()));
    assertEquals(1, e.getSuppressed().length);
  }

  @Test
  void invalidSchemaIsTyped() {
    server.answerNext(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
    InvalidSchemaException e = assertThrows(InvalidSchemaException.class,
        () -> client().register("images-value", EVENT));
    assertEquals("Invalid schema", e.serverMessage());
  }

  @Test
  void nonRegistryErrorPageIsReportedWithAHint() {
    server.answerNext(404, "<html>Not Found</html>");
    SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client().schemaById(1));
    assertTrue(e.getMessage().contains("<html>Not Found</html>"), e.getMessage());
    assertTrue(e.getMessage().contains("Confluent-compatible registry base URL"), e.getMessage());
  }

  @Test
  void serverErrorsAreRetriedThenSucceed() {
    server.answerNext(503, "{\"error_code\":50003,\"message\":\"busy\"}");
    server.answerNext(500, "oops");
    assertEquals(1, client().register("images-value", EVENT));
    assertEquals(3, server.requests().size());
  }

  @Test
  void persistentServerErrorsGiveUpAfterBoundedRetries() {
    for (int i = 0; i < 3; i++) {
      server.answerNext(503, "{\"error_code\":50003,\"message\":\"busy\"}");
    }
    SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
        () -> client().register("images-value", EVENT));
    assertEquals(3, server.requests().size());
    assertEquals(503, e.httpStatus());
    assertTrue(e.getMessage().contains("after 3 attempt(s)"), e.getMessage());
  }

  @Test
  void unreachableRegistryFailsAfterBoundedRetriesNamingTheUrl() throws IOException {
    String url = "http://127.0.0.1:" + unusedPort();
    SchemaRegistryClient client = SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(config(url)));
    SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
        () -> client.schemaById(1));
    assertEquals(url + "/schemas/ids/1", e.url());
    assertTrue(e.getMessage().contains(url), e.getMessage());
    assertTrue(e.getMessage().contains("after 3 attempt(s)"), e.getMessage());
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void nextUrlIsTriedWhenTheFirstIsDown() throws IOException {
    String down = "http://127.0.0.1:" + unusedPort();
    SchemaRegistryClient client = SchemaRegistryClient.create(
        SchemaRegistryConfig.fromMap(config(down + "," + server.url())));
    assertEquals(1, client.register("images-value", EVENT));
  }

  @Test
  void basicAuthUserInfoIsSent() {
    Map<String, Object> props = config(server.url());
    props.put("basic.auth.credentials.source", "USER_INFO");
    props.put("basic.auth.user.info", "bob:secret");
    SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(props)).register("s", EVENT);
    assertEquals("Basic Ym9iOnNlY3JldA==", server.requests().get(0).authorization());
  }

  @Test
  void bearerTokenIsSent() {
    Map<String, Object> props = config(server.url());
    props.put("bearer.auth.credentials.source", "STATIC_TOKEN");
    props.put("bearer.auth.token", "tok-123");
    SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(props)).register("s", EVENT);
    assertEquals("Bearer tok-123", server.requests().get(0).authorization());
  }

  @Test
  void subjectsAreUrlEncoded() {
    SchemaRegistryClient client = client();
    client.register("a b/c-value", EVENT);
    assertEquals("/subjects/a%20b%2Fc-value/versions", server.requests().get(0).path());
  }

  @Test
  void deserializerTurnsUnknownIdFromHttpRegistryIntoSerializationError() {
    SpecificAvroDeserializer<ImageEvent> d = new SpecificAvroDeserializer<>(ImageEvent.class);
    d.configure(config(server.url()), false);
    assertThrows(UnknownSchemaIdException.class, () -> d.deserialize("images", new byte[] {0, 0, 0, 0, 9, 0}));
  }
}
