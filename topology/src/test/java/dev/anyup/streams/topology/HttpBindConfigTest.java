package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpBindConfigTest {
  private static AppConfig load(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "http://r"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void opsPortBindsAllInterfacesByDefault() {
    assertEquals("0.0.0.0", load(Map.of()).httpBind());
  }

  @Test
  void httpBindIsRead() {
    assertEquals("127.0.0.1", load(Map.of("http.bind", "127.0.0.1")).httpBind());
  }

  @Test
  void httpBind_blank() {
    AppConfig d = load(Map.of());
    ConfigException e = assertThrows(ConfigException.class, () -> new AppConfig(d.applicationId(),
        d.bootstrapServers(), d.schemaRegistryUrl(), d.topics(), d.model(), d.output(), d.batch(), d.limits(),
        d.readiness(), d.frames(), d.console(), d.segmentation(), d.httpPort(), d.passThrough(), " "));
    assertEquals("http.bind must not be blank but was ''", e.getMessage());
  }

  @Test
  void copiesKeepTheBindAddress() {
    AppConfig cfg = load(Map.of("http.bind", "127.0.0.2"));
    assertEquals("127.0.0.2", cfg.withHttpPort(0).withPassThrough(Map.of("kafka.x", "1")).httpBind());
  }
}
