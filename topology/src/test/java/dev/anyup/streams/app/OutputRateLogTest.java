package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutputRateLogTest {

  @Test
  void statesImagesPerSecondBytesPerImageAndBandwidthOfTheWindowAndStaysQuietWhenIdle() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PipelineMetrics metrics = new PipelineMetrics(registry);
    AtomicLong now = new AtomicLong(1_000_000_000L);
    try (OutputRateLog log = new OutputRateLog(metrics, now::get)) {
      // 20 images in 10 s, each a 1 MiB dense record and a 1 KiB embedding
      for (int i = 0; i < 20; i++) {
        registry.counter("anyup.images.attempted").increment();
        registry.counter("anyup.bytes.out", "topic", "features.dense").increment(1024 * 1024);
        registry.counter("anyup.bytes.out", "topic", "features.embeddings").increment(1024);
      }
      now.addAndGet(10_000_000_000L);
      assertEquals("output: 2.00 images/s over the last 10 s, 1.0 MiB per image, 2.0 MiB/s to Kafka at that rate",
          log.line().orElseThrow());
      now.addAndGet(10_000_000_000L);
      assertTrue(log.line().isEmpty(), "no image in the window: no line");
    }
  }
}
