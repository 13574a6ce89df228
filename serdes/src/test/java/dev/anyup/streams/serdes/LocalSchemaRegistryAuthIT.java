package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.local.LocalSchemaRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Basic auth against a real registry that enforces it. Apicurio 2.x checks basic credentials by a
 * client-credentials grant at an OIDC token endpoint; here that endpoint is a local fake that refuses every
 * client, so the registry must answer 401 to wrong credentials (and to none). A positive case would need a real
 * OIDC server issuing tokens the registry can verify, which this test does not bring up.
 */
class LocalSchemaRegistryAuthIT {
  private static final List<String> tokenRequests = new CopyOnWriteArrayList<>();
  private static HttpServer tokenEndpoint;
  private static LocalSchemaRegistry registry;

  @BeforeAll
  static void start() throws IOException {
    tokenEndpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tokenEndpoint.createContext("/", ex -> {
      try (ex) {
        tokenRequests.add(ex.getRequestURI().getPath() + " "
            + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        byte[] body = "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(401, body.length);
        ex.getResponseBody().write(body);
      }
    });
    tokenEndpoint.start();
    String oidc = "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort();
    registry = LocalSchemaRegistry.start(Path.of("target", "it-registry"), Map.of(
        "AUTH_ENABLED", "true",
        "CLIENT_CREDENTIALS_BASIC_AUTH_ENABLED", "true",
        "KEYCLOAK_URL", oidc + "/auth",
        "KEYCLOAK_REALM", "registry",
        "TOKEN_ENDPOINT", oidc + "/token"));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (tokenEndpoint != null) {
      tokenEndpoint.stop(0);
    }
  }

  @Test
  void wrongBasicCredentialsAreRefusedWith401() {
    SchemaRegistryClient client = SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(Map.of(
        "schema.registry.url", registry.url(),
        "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info", "bob:wrong")));

    SchemaRegistryAuthException e = assertThrows(SchemaRegistryAuthException.class,
        () -> client.register("images-value", ImageEvent.getClassSchema()));

    assertEquals(401, e.httpStatus());
    assertTrue(e.url().startsWith(registry.url()), e.url());
    assertTrue(tokenRequests.stream().anyMatch(r -> r.contains("client_id=bob") && r.contains("client_secret=wrong")),
        tokenRequests::toString);
  }

  @Test
  void missingCredentialsAreRefusedWith401() {
    SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
    serializer.configure(Map.of("schema.registry.url", registry.url()), false);
    SchemaRegistryAuthException e = assertThrows(SchemaRegistryAuthException.class,
        () -> serializer.serialize("images", TestRecords.imageEvent("a")));
    assertEquals(401, e.httpStatus());
  }
}
