package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.topology.AppConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve}'s address, port and state directory come from the {@code serve.*} keys, and its options win. */
class ServeCommandTest {
  private static final Map<String, String> REQUIRED =
      Map.of("bootstrap.servers", "broker:9092", "schema.registry.url", "http://registry:8081");

  private static RetrievalService.Settings settings(Map<String, String> keys, String... args) {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs(args);
    Map<String, String> m = new java.util.HashMap<>(REQUIRED);
    m.putAll(keys);
    return cmd.settings(AppConfig.fromMap(m));
  }

  @Test
  void defaultsAreLoopbackPort8090AndTheComputedStateDir() {
    RetrievalService.Settings s = settings(Map.of());
    assertEquals("127.0.0.1", s.bindAddress());
    assertEquals(8090, s.port());
    assertNull(s.stateDir(), "null: RetrievalService picks the application- and cluster-specific folder");
    assertEquals("anyup-streams-retrieval", s.applicationId());
  }

  @Test
  void serveKeysAreRead() {
    RetrievalService.Settings s = settings(
        Map.of("serve.bind", "0.0.0.0", "serve.port", "9000", "serve.state.dir", "/var/lib/serve"));
    assertEquals("0.0.0.0", s.bindAddress());
    assertEquals(9000, s.port());
    assertEquals(Path.of("/var/lib/serve"), s.stateDir());
  }

  @Test
  void optionsOverrideTheKeys() {
    RetrievalService.Settings s = settings(
        Map.of("serve.bind", "0.0.0.0", "serve.port", "9000", "serve.state.dir", "/var/lib/serve"),
        "--bind", "127.0.0.2", "--port", "0", "--state-dir", "/tmp/s");
    assertEquals("127.0.0.2", s.bindAddress());
    assertEquals(0, s.port());
    assertEquals(Path.of("/tmp/s"), s.stateDir());
  }
}
