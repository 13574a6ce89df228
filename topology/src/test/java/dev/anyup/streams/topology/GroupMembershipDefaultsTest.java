package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Issue 10: a dead instance costs seconds, so the group-membership defaults and their consistency checks. */
class GroupMembershipDefaultsTest {
  private static AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "http://r"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void streamsClientsGetShortSessionExplicitTransactionTimeoutAndOneRecordPerPoll() {
    Properties p = config(Map.of()).streamsProperties();
    assertEquals("6000", p.get("main.consumer.session.timeout.ms"));
    assertEquals("1500", p.get("main.consumer.heartbeat.interval.ms"));
    assertEquals("1", p.get("main.consumer.max.poll.records"));
    assertEquals("10000", p.get("producer.transaction.timeout.ms"));
  }

  /** Issue 22: a broker outage of a minute is waited out, not a failed commit and a replaced stream thread. */
  @Test
  void theProducerWaitsThreeMinutesForTheBrokerUnlessSet() {
    assertEquals("180000", config(Map.of()).streamsProperties().get("producer.max.block.ms"));
    assertEquals("60000", config(Map.of("producer.max.block.ms", "60000")).streamsProperties()
        .get("producer.max.block.ms"));
  }

  @Test
  void theProducerUsesTheOperatingSystemsAutotunedSendBufferUnlessSet() {
    assertEquals("-1", config(Map.of()).streamsProperties().get("producer.send.buffer.bytes"));
    assertEquals("262144", config(Map.of("producer.send.buffer.bytes", "262144")).streamsProperties()
        .get("producer.send.buffer.bytes"));
    Properties all = config(Map.of("kafka.send.buffer.bytes", "65536")).streamsProperties();
    assertEquals("65536", all.get("send.buffer.bytes"));
    assertTrue(!all.containsKey("producer.send.buffer.bytes"), "a setting for all clients wins over our default");
  }

  @Test
  void userSettingUnderAnyPrefixReplacesTheDefault() {
    for (String key : new String[] {"kafka.session.timeout.ms", "streams.session.timeout.ms",
        "streams.consumer.session.timeout.ms", "streams.main.consumer.session.timeout.ms",
        "consumer.session.timeout.ms"}) {
      Properties p = config(Map.of(key, "8000")).streamsProperties();
      assertTrue(!p.containsKey("main.consumer.session.timeout.ms")
          || "8000".equals(p.get("main.consumer.session.timeout.ms")), key + " wins over our default");
    }
    Properties p = config(Map.of("streams.producer.transaction.timeout.ms", "30000")).streamsProperties();
    assertEquals("30000", p.get("producer.transaction.timeout.ms"));
  }

  @Test
  void transactionTimeoutNotAboveSessionTimeoutIsRefusedNamingBoth() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> config(Map.of("streams.consumer.session.timeout.ms", "45000")));
    assertTrue(e.getMessage().startsWith("transaction.timeout.ms (10000) must exceed session.timeout.ms (45000)"),
        e.getMessage());
    config(Map.of("streams.consumer.session.timeout.ms", "45000", "streams.producer.transaction.timeout.ms",
        "60000"));
    config(Map.of("streams.consumer.session.timeout.ms", "45000", "streams.processing.guarantee",
        "at_least_once"));
  }

  @Test
  void maxPollIntervalNotAboveTheBatchTimeoutIsRefused() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> config(Map.of("consumer.max.poll.interval.ms", "60000")));
    assertTrue(e.getMessage().startsWith("max.poll.interval.ms (60000) must exceed batch.timeout.ms (120000)"),
        e.getMessage());
    config(Map.of("consumer.max.poll.interval.ms", "60000", "batch.timeout.ms", "30000"));
  }

  @Test
  void readinessKeysAreTypedAndValidated() {
    AppConfig c = config(Map.of("readiness.rebalance.grace.ms", "5000", "readiness.progress.timeout.ms", "7000"));
    assertEquals(5000, c.readiness().rebalanceGrace().toMillis());
    assertEquals(7000, c.readiness().progressTimeout().toMillis());
    ConfigException e = assertThrows(ConfigException.class,
        () -> config(Map.of("readiness.progress.timeout.ms", "0")));
    assertEquals("readiness.progress.timeout.ms must be positive but was 0", e.getMessage());
  }

  @Test
  void globalThreadUsesTheProcessingExceptionHandlerSoStreamsDoesNotWarnAtEveryThreadStart() {
    Properties p = config(Map.of()).streamsProperties();
    assertEquals("true", p.get("processing.exception.handler.global.enabled"));
    // each stream thread's partition assignor builds a StreamsConfig from the main consumer's settings
    Map<String, Object> consumer = new org.apache.kafka.streams.StreamsConfig(p).getMainConsumerConfigs("g", "c", 0);
    assertTrue(new org.apache.kafka.streams.processor.internals.ClientUtils.QuietStreamsConfig(consumer)
        .getBoolean("processing.exception.handler.global.enabled"), "the assignor's copy has it too");
  }
}
