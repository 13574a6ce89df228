package dev.anyup.streams.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.PipelineMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class MetricsSamplerTest {

  @Test
  void turnsTheMetersOfOneIntervalIntoAChartPoint() {
    // the app's registry: its histogram bucket counts are cumulative, which the quantiles rely on
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // the meters the pipeline itself registers: a rename there cannot pass unnoticed here (the chart once read
    // anyup.images.processed for a release after the pipeline renamed it to anyup.images.attempted and showed 0)
    new PipelineMetrics(registry);
    Counter processed = Objects.requireNonNull(registry.find("anyup.images.attempted").counter(),
        "PipelineMetrics registers anyup.images.attempted");
    Timer latency = registry.find("anyup.process.latency").timer();
    DistributionSummary batch = registry.find("anyup.batch.size").summary();
    Gauge.builder("anyup.input.records.lag", () -> 5.0).tag("partition", "0").register(registry);
    Gauge.builder("anyup.input.records.lag", () -> Double.NaN).tag("partition", "1").register(registry);
    MetricsSampler sampler = new MetricsSampler(registry);

    sampler.sample(10_000);
    assertEquals(List.of(), sampler.points(), "the first sample is the baseline");
    processed.increment(4);
    for (int i = 0; i < 99; i++) {
      latency.record(Duration.ofMillis(10));
    }
    latency.record(Duration.ofMillis(900));
    batch.record(2);
    batch.record(4);
    registry.counter("anyup.dead.letters", "stage", "decode", "reason", "CORRUPT").increment();
    sampler.sample(12_000);

    MetricsSampler.Point p = sampler.points().get(0);
    assertEquals(2.0, p.imagesPerSecond(), 1e-9);
    assertTrue(p.p50Millis() >= 10 && p.p50Millis() < 20, "p50 bucket bound " + p.p50Millis());
    assertTrue(p.p99Millis() >= 10 && p.p99Millis() < 20, "99 of 100 at 10 ms: p99 bucket bound " + p.p99Millis());
    assertEquals(3.0, p.batchMean(), 1e-9);
    assertEquals(Map.of("decode/CORRUPT", 1.0), p.deadLetters());
    assertEquals(5.0, p.inputLag(), 1e-9, "NaN partitions (not assigned here) are left out");
  }

  @Test
  void anIdleIntervalHasNoLatencyOrBatchSize() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Timer.builder("anyup.process.latency").publishPercentileHistogram().register(registry);
    MetricsSampler sampler = new MetricsSampler(registry);
    sampler.sample(0);
    sampler.sample(1_000);
    MetricsSampler.Point p = sampler.points().get(0);
    assertEquals(0.0, p.imagesPerSecond(), 0.0);
    assertTrue(Double.isNaN(p.p50Millis()));
    assertTrue(Double.isNaN(p.batchMean()));
    assertTrue(Double.isNaN(p.inputLag()));
  }

  @Test
  void keepsTheLastTwoMinutes() {
    MetricsSampler sampler = new MetricsSampler(new SimpleMeterRegistry());
    for (int i = 0; i <= MetricsSampler.POINTS + 10; i++) {
      sampler.sample(i * 1000L);
    }
    assertEquals(MetricsSampler.POINTS, sampler.points().size());
    assertEquals((MetricsSampler.POINTS + 10) * 1000L, sampler.points().get(MetricsSampler.POINTS - 1).millis());
  }

  @Test
  void framesPerSourceReadTheAgeHistogramThePipelineRegisters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PipelineMetrics metrics = new PipelineMetrics(registry);
    metrics.frameAge("cam-b").record(Duration.ofMillis(300));
    metrics.frameAge("cam-a").record(Duration.ofMillis(100));
    metrics.frameAge("cam-a").record(Duration.ofMillis(500));
    List<MetricsSampler.Frames> frames = new MetricsSampler(registry).frames();
    assertEquals(List.of("cam-a", "cam-b"), frames.stream().map(MetricsSampler.Frames::source).toList());
    assertEquals(2, frames.get(0).processed());
    assertEquals(300, frames.get(0).ageMeanMillis(), 1e-6);
    assertEquals(500, frames.get(0).ageMaxMillis(), 1e-6);
    assertEquals(Map.of(), frames.get(0).skipped(), "no policy skips recorded");
  }
}
