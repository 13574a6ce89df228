package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --command-config} and the endpoints of {@code produce} / {@code inspect}. */
class ClusterOptionsTest {
  @TempDir Path dir;

  private static ClusterOptions parse(String... args) {
    ClusterOptions o = new ClusterOptions();
    new CommandLine(o).parseArgs(args);
    return o;
  }

  private Path clientConfig(String text) throws Exception {
    return Files.writeString(dir.resolve("client.properties"), text);
  }

  @Test
  void withoutOptionsTalksToTheUsualLocalPorts() {
    AppConfig cfg = parse().config();
    assertEquals("localhost:9092", cfg.bootstrapServers());
    assertEquals("http://localhost:8081", cfg.schemaRegistryUrl());
  }

  @Test
  void saslSslSettingsReachTheProducerAndTheConsumer() throws Exception {
    Path f = clientConfig("""
        security.protocol=SASL_SSL
        sasl.mechanism=PLAIN
        sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";
        ssl.truststore.location=/etc/kafka/truststore.jks
        """);
    AppConfig cfg = parse("--command-config", f.toString()).config();
    for (Properties p : new Properties[] {cfg.producerProperties(), cfg.consumerProperties()}) {
      assertEquals("SASL_SSL", p.get("security.protocol"));
      assertEquals("PLAIN", p.get("sasl.mechanism"));
      assertTrue(p.get("sasl.jaas.config").toString().contains("username=\"u\""));
      assertEquals("/etc/kafka/truststore.jks", p.get("ssl.truststore.location"));
    }
    assertFalse(cfg.toString().contains("password=\"p\""), "the JAAS config is a secret: " + cfg);
  }

  @Test
  void registryBasicAuthFromTheFileTurnsOnUserInfoCredentials() throws Exception {
    Path f = clientConfig("basic.auth.user.info=alice:s3cret\n");
    Map<String, Object> serde = parse("--command-config", f.toString()).config().serdeConfig();
    assertEquals("alice:s3cret", serde.get("basic.auth.user.info"));
    assertEquals("USER_INFO", serde.get("basic.auth.credentials.source"));
  }

  @Test
  void registryBearerTokenWithThePrefixedSpelling() throws Exception {
    Path f = clientConfig("schema.registry.bearer.auth.token=tok\n");
    assertEquals("tok", parse("--command-config", f.toString()).config().serdeConfig().get("bearer.auth.token"));
  }

  @Test
  void endpointsInTheFileAreUsedUnlessGivenOnTheCommandLine() throws Exception {
    Path f = clientConfig("bootstrap.servers=broker:9094\nschema.registry.url=https://registry:8085\n");
    AppConfig fromFile = parse("--command-config", f.toString()).config();
    assertEquals("broker:9094", fromFile.bootstrapServers());
    assertEquals("https://registry:8085", fromFile.schemaRegistryUrl());
    AppConfig explicit = parse("--command-config", f.toString(), "--bootstrap", "other:9092", "--registry",
        "http://other:8081").config();
    assertEquals("other:9092", explicit.bootstrapServers());
    assertEquals("http://other:8081", explicit.schemaRegistryUrl());
  }

  @Test
  void commandConfig_missingFile() {
    Path missing = dir.resolve("nope.properties");
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse("--command-config", missing.toString()).config());
    assertEquals("client config file " + missing + " does not exist or is not a file", e.getMessage());
  }
}
