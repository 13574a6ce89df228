package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SchemaRegistryConfigTest {

  @Test
  void defaultsMatchConfluentWhereItMatters() {
    SchemaRegistryConfig c = SchemaRegistryConfig.forUrl("http://r:8081/");
    assertEquals(List.of(URI.create("http://r:8081")), c.urls());
    assertTrue(c.autoRegisterSchemas());
    assertFalse(c.useLatestVersion());
    assertEquals(SubjectNameStrategy.TOPIC_NAME, c.valueSubjectNameStrategy());
    assertEquals(SubjectNameStrategy.TOPIC_NAME, c.keySubjectNameStrategy());
    assertNull(c.basicAuthUserInfo());
    assertNull(c.mockScope());
  }

  @Test
  void commaSeparatedUrlsAndTypedValuesAreAccepted() {
    SchemaRegistryConfig c = SchemaRegistryConfig.fromMap(Map.of(
        "schema.registry.url", "http://a:1, https://b:2", "auto.register.schemas", false,
        "use.latest.version", "true", "max.retries", 0, "http.read.timeout.ms", "1500"));
    assertEquals(List.of(URI.create("http://a:1"), URI.create("https://b:2")), c.urls());
    assertFalse(c.autoRegisterSchemas());
    assertTrue(c.useLatestVersion());
    assertEquals(0, c.maxRetries());
    assertEquals(Duration.ofMillis(1500), c.requestTimeout());
  }

  @Test
  void missingUrlIsRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(Map.of()));
    assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
  }

  @Test
  void nonHttpUrlIsRefusedNamingTheValue() {
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.forUrl("ftp://r"));
    assertTrue(e.getMessage().contains("ftp://r"), e.getMessage());
  }

  @Test
  void badBooleanNamesKeyAndValue() {
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(
        Map.of("schema.registry.url", "http://r", "auto.register.schemas", "yes")));
    assertEquals("Invalid value yes for configuration auto.register.schemas: expected true or false", e.getMessage());
  }

  @Test
  void negativeRetriesAreRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(
        Map.of("schema.registry.url", "http://r", "max.retries", "-1")));
    assertTrue(e.getMessage().contains("max.retries"), e.getMessage());
  }

  @Test
  void userInfoSourceNeedsUserInfo() {
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(
        Map.of("schema.registry.url", "http://r", "basic.auth.credentials.source", "USER_INFO")));
    assertTrue(e.getMessage().contains("basic.auth.user.info"), e.getMessage());
  }

  @Test
  void userInfoFromUrlIsMovedOutOfTheUrl() {
    SchemaRegistryConfig c = SchemaRegistryConfig.forUrl("http://bob:secret@r:8081");
    assertEquals("bob:secret", c.basicAuthUserInfo());
    assertEquals(List.of(URI.create("http://r:8081")), c.urls());
  }

  @Test
  void basicAndBearerTogetherAreRefused() {
    assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(Map.of(
        "schema.registry.url", "http://r", "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info", "u:p", "bearer.auth.token", "t")));
  }

  @Test
  void toStringHidesSecrets() {
    SchemaRegistryConfig c = SchemaRegistryConfig.fromMap(Map.of("schema.registry.url", "http://r",
        "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "bob:hunter2"));
    assertFalse(c.toString().contains("hunter2"), c.toString());
    assertTrue(c.toString().contains("bob:***"), c.toString());
  }

  @Test
  void mockUrlNeedsAScopeAndStandsAlone() {
    assertEquals("unit", SchemaRegistryConfig.forUrl("mock://unit").mockScope());
    assertThrows(ConfigException.class, () -> SchemaRegistryConfig.forUrl("mock://a,http://b"));
  }
}
