package dev.anyup.streams.topology.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class InputLagMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Map<MetricName, Metric> clientMetrics = new ConcurrentHashMap<>();

  private static MetricName lagName(String client, String topic, String partition) {
    return new MetricName("records-lag", "consumer-fetch-manager-metrics", "",
        Map.of("client-id", client, "topic", topic, "partition", partition));
  }

  private void put(MetricName name, double value) {
    clientMetrics.put(name, new Metric() {
      @Override
      public MetricName metricName() {
        return name;
      }

      @Override
      public Object metricValue() {
        return value;
      }
    });
  }

  private Double gauge(String partition) {
    var g = registry.find(InputLagMetrics.NAME).tag("topic", "images").tag("partition", partition).gauge();
    return g == null ? null : g.value();
  }

  @Test
  void exposesTheRecordsLagOfEachInputPartitionAndIgnoresOtherTopicsAndClientWideMetrics() {
    // a very long refresh: the test calls refresh() itself
    try (InputLagMetrics lag = new InputLagMetrics(registry, () -> clientMetrics, "images", Duration.ofHours(1))) {
      put(lagName("t1-consumer", "images", "0"), 120);
      put(lagName("t2-consumer", "images", "2"), 7);
      put(lagName("t1-consumer", "changelog", "0"), 99);
      put(new MetricName("records-lag-max", "consumer-fetch-manager-metrics", "", Map.of("client-id", "t1")), 120);
      lag.refresh();
      assertEquals(120.0, gauge("0"));
      assertEquals(7.0, gauge("2"));
      assertNull(gauge("1"), "no metric, no gauge");
      assertEquals(2, registry.find(InputLagMetrics.NAME).gauges().size());

      put(lagName("t1-consumer", "images", "0"), 3); // read at each scrape
      assertEquals(3.0, gauge("0"));
      clientMetrics.remove(lagName("t2-consumer", "images", "2")); // partition revoked
      assertTrue(gauge("2").isNaN());
    }
  }

  @Test
  void refreshIntervalZero() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new InputLagMetrics(registry, () -> clientMetrics, "images", Duration.ZERO));
    assertEquals("refresh interval must be positive but was PT0S", e.getMessage());
  }
}
