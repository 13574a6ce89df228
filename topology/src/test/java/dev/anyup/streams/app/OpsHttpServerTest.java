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
  void healthIsAlwaysOkReadyFollowsTheProbeWithItsReasonAndMetricsArePrometheusText() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new PipelineMetrics(registry);
    AtomicBoolean ready = new AtomicBoolean(false);
    try (OpsHttpServer http = OpsHttpServer.start(0, registry, () -> ready.get()
        ? ReadinessProbe.Verdict.ready("fine") : ReadinessProbe.Verdict.notReady("stalled"))) {
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"));
      assertEquals(503, ItSupport.httpGet(http.port(), "/ready"));
      assertEquals("not ready: stalled\n", ItSupport.httpBody(http.port(), "/ready"), "the reason is in the body");
      ready.set(true);
      assertEquals(200, ItSupport.httpGet(http.port(), "/ready"));
      String body = ItSupport.httpBody(http.port(), "/metrics");
      assertTrue(body.contains("# TYPE anyup_images_attempted_total counter"), body);
      assertTrue(body.contains("anyup_stage_latency_seconds_bucket"), "per-stage latency histograms");
    }
  }

  @Test
  void healthFailsWithTheReasonOnceTheInstanceCannotRecover() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicBoolean alive = new AtomicBoolean(true);
    try (OpsHttpServer http = OpsHttpServer.start(0, registry, () -> ReadinessProbe.Verdict.notReady("stopped"),
        () -> alive.get() ? ReadinessProbe.Verdict.ready("ok") : ReadinessProbe.Verdict.notReady("not authorized"))) {
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"));
      alive.set(false);
      assertEquals(503, ItSupport.httpGet(http.port(), "/health"));
      assertEquals("unhealthy: not authorized\n", ItSupport.httpBody(http.port(), "/health"));
    }
  }
}
