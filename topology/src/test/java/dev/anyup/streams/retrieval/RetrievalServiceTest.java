package dev.anyup.streams.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.topology.AppConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.junit.jupiter.api.Test;

/** The service's settings and the Streams properties it derives from run's configuration; nothing is started. */
class RetrievalServiceTest {
  @Test
  void streamsPropertiesAreTheAppsWithItsOwnIdAtLeastOnceAndNoDeadLetterTopic() {
    AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "mock://x",
        "kafka.security.protocol", "SASL_SSL", "streams.num.stream.threads", "4"));
    Properties p = RetrievalService.streamsProperties(cfg,
        new RetrievalService.Settings("anyup-streams-retrieval", "127.0.0.1", 8090));
    assertEquals("anyup-streams-retrieval", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
    assertEquals(StreamsConfig.AT_LEAST_ONCE, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("1", p.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
    assertEquals("SASL_SSL", p.get("security.protocol"), "the cluster's security settings apply as for run");
    assertEquals(LogAndContinueExceptionHandler.class,
        p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertFalse(p.containsKey("errors.dead.letter.queue.topic.name"), "the reader writes nothing");
  }

  @Test
  void settings_portOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RetrievalService.Settings("id", "127.0.0.1", 70000));
    assertEquals("retrieval port must be between 0 and 65535 but was 70000", e.getMessage());
  }

  @Test
  void settings_blankBindAddress() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RetrievalService.Settings("id", " ", 8090));
    assertEquals("retrieval bind address must not be blank but was ' '", e.getMessage());
  }

  @Test
  void settings_blankApplicationId() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RetrievalService.Settings("", "127.0.0.1", 8090));
    assertEquals("retrieval application id must not be blank but was ''", e.getMessage());
  }
}
