package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.topology.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option checks and the printed {@code app.yaml}; no broker is started here. */
class LocalCommandTest {
  private static LocalCommand parse(String... args) {
    LocalCommand c = new LocalCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void defaultsAreKafkasAndConfluentsUsualPorts() {
    LocalCommand c = parse();
    assertEquals(9092, c.kafkaPort);
    assertEquals(9093, c.controllerPort);
    assertEquals(8081, c.registryPort);
    assertEquals("images", c.inputTopic);
  }

  @Test
  void kafkaPort_outOfRange() {
    StartupException e = assertThrows(StartupException.class, () -> parse("--kafka-port", "70000").validate());
    assertEquals("--kafka-port must be between 0 and 65535 but was 70000", e.getMessage());
  }

  @Test
  void kafkaAndControllerPort_same() {
    StartupException e = assertThrows(StartupException.class,
        () -> parse("--kafka-port", "9000", "--controller-port", "9000").validate());
    assertEquals("--kafka-port and --controller-port must differ but both were 9000", e.getMessage());
  }

  @Test
  void kafkaPortFixed_controllerPortFree() {
    StartupException e = assertThrows(StartupException.class,
        () -> parse("--kafka-port", "9000", "--controller-port", "0").validate());
    assertEquals("--kafka-port and --controller-port are both fixed or both 0 (free) but were 9000 and 0",
        e.getMessage());
  }

  @Test
  void partitions_notPositive() {
    StartupException e = assertThrows(StartupException.class, () -> parse("--partitions", "0").validate());
    assertEquals("--partitions must be positive but was 0", e.getMessage());
  }

  @Test
  void printedAppYamlLoadsAsARunConfigurationForThisStack(@TempDir Path dir) throws Exception {
    LocalCommand.Endpoints ep =
        new LocalCommand.Endpoints("127.0.0.1:19092", "http://127.0.0.1:18081/apis/ccompat/v7", 8080);
    Path yaml = Files.writeString(dir.resolve("app.yaml"), ep.appYaml());
    AppConfig cfg = ConfigLoader.load(yaml, Map.of());
    assertEquals("127.0.0.1:19092", cfg.bootstrapServers());
    assertEquals("http://127.0.0.1:18081/apis/ccompat/v7", cfg.schemaRegistryUrl());
    assertEquals(1, cfg.topics().replication());
    assertEquals("127.0.0.1", cfg.httpBind(), "a developer's ops port is this machine's only");
    assertEquals("1", cfg.streamsProperties().get("replication.factor"),
        "one broker: internal topics with one replica");
  }

  @Test
  void restartKeepsTheUsersLinesAndMovesOnlyTheEndpoints(@TempDir Path dir) throws Exception {
    // the README tells users to add console.* lines to DATA/app.yaml; a restart of local once overwrote the file
    String edited = String.join("\n",
        "# anyup-streams run --config app.yaml",
        "bootstrap.servers: 127.0.0.1:40001",
        "schema.registry.url: http://127.0.0.1:40002/apis/ccompat/v7",
        "topics.replication: 1",
        "streams.replication.factor: 1",
        "http.port: 9999",
        "# mine",
        "console.enabled: true",
        "console.port: 8071",
        "");
    LocalCommand.Endpoints restarted =
        new LocalCommand.Endpoints("127.0.0.1:40011", "http://127.0.0.1:40012/apis/ccompat/v7", 8080);
    Path yaml = Files.writeString(dir.resolve("app.yaml"), restarted.updateAppYaml(edited));
    AppConfig cfg = ConfigLoader.load(yaml, Map.of());
    assertEquals("127.0.0.1:40011", cfg.bootstrapServers(), "the endpoints follow the stack");
    assertEquals("http://127.0.0.1:40012/apis/ccompat/v7", cfg.schemaRegistryUrl());
    assertEquals(9999, cfg.httpPort(), "a value the user set is theirs");
    assertEquals(true, cfg.console().enabled());
    assertEquals(8071, cfg.console().port());
    assertEquals(true, Files.readString(yaml).contains("# mine"));
    assertEquals(restarted.updateAppYaml(edited), restarted.updateAppYaml(restarted.updateAppYaml(edited)),
        "a second restart changes nothing more");
  }

  @Test
  void httpPortOptionGoesToTheWrittenAppYaml(@TempDir Path dir) throws Exception {
    LocalCommand c = parse("--http-port", "0");
    LocalCommand.Endpoints ep = new LocalCommand.Endpoints("127.0.0.1:1", "http://127.0.0.1:2", c.httpPort);
    Path yaml = Files.writeString(dir.resolve("app.yaml"), ep.appYaml());
    assertEquals(0, ConfigLoader.load(yaml, Map.of()).httpPort());
    String missing = "bootstrap.servers: x:1\nschema.registry.url: http://x:2\n";
    assertEquals(0, ConfigLoader.load(Files.writeString(dir.resolve("old.yaml"), ep.updateAppYaml(missing)),
        Map.of()).httpPort(), "keys missing from an older file are added");
  }
}
