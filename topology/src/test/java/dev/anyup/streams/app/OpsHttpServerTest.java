package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.PipelineMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsHttpServerTest {
  @Test
  void healthIsAlwaysOkReadyFollowsTheAppAndMetricsArePrometheusText() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new PipelineMetrics(registry);
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OpsHttpServer http = OpsHttpServer.start(0, registry, ready::get)) {
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"));
      assertEquals(503, ItSupport.httpGet(http.port(), "/ready"));
      ready.set(true);
      assertEquals(200, ItSupport.httpGet(http.port(), "/ready"));
      String body = ItSupport.httpBody(http.port(), "/metrics");
      assertTrue(body.contains("# TYPE anyup_images_processed_total counter"), body);
      assertTrue(body.contains("anyup_stage_latency_seconds_bucket"), "per-stage latency histograms");
    }
  }
}
