package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleConfigTest {
  private static AppConfig load(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "http://r"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void consoleIsOffAndBoundToLoopbackByDefault() {
    AppConfig.Console c = load(Map.of()).console();
    assertFalse(c.enabled());
    assertEquals("127.0.0.1", c.bind());
    assertEquals(8070, c.port());
    assertEquals(8, c.recentPerSource());
    assertTrue(c.similar(), "similar-image search follows the console");
    assertEquals(100_000, c.similarMaxEmbeddings());
    assertFalse(c.upload(), "read-only by default");
    assertEquals(2, c.renderMaxPerSecond());
  }

  @Test
  void consoleRenderMaxPerSecond_zero() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> load(Map.of("console.render.max.per.second", "0")));
    assertEquals("console.render.max.per.second must be in [1, 1000] but was 0", e.getMessage());
  }

  @Test
  void similarAndUploadKeysAreRead() {
    AppConfig.Console c = load(Map.of("console.similar.enabled", "true", "console.similar.max.embeddings", "500",
        "console.upload.enabled", "true")).console();
    assertEquals(500, c.similarMaxEmbeddings());
    assertTrue(c.upload());
  }

  @Test
  void consoleSimilarMaxEmbeddings_zero() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> load(Map.of("console.similar.max.embeddings", "0")));
    assertEquals("console.similar.max.embeddings must be in [1, 10000000] but was 0", e.getMessage());
  }

  @Test
  void consoleUpload_withoutSimilar() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> load(Map.of("console.similar.enabled", "false", "console.upload.enabled", "true")));
    assertTrue(e.getMessage().startsWith("console.upload.enabled needs console.similar.enabled"), e.getMessage());
  }

  @Test
  void consoleKeysAreRead() {
    AppConfig.Console c = load(Map.of("console.enabled", "true", "console.bind", "0.0.0.0", "console.port", "0",
        "console.recent.per.source", "3")).console();
    assertTrue(c.enabled());
    assertEquals("0.0.0.0", c.bind());
    assertEquals(0, c.port());
    assertEquals(3, c.recentPerSource());
  }

  @Test
  void consolePort_outOfRange() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("console.port", "70000")));
    assertEquals("console.port must be in [0, 65535] but was 70000", e.getMessage());
  }

  @Test
  void consoleRecentPerSource_zero() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("console.recent.per.source", "0")));
    assertEquals("console.recent.per.source must be in [1, 64] but was 0", e.getMessage());
  }
}
