package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputSizingTest {
  private final AppConfig base = AppConfig.defaults("b:1", "mock://x");
  // 384 channels × 224² FLOAT16 + headroom
  private final OutputSizing dinoFp16 = new OutputSizing(384L * 224 * 224 * 2 + OutputSizing.HEADROOM_BYTES, 70_000);

  @Test
  void computesAProducerLimitThatFitsTheLargestRecordWhenTheUserSetNone() {
    int size = dinoFp16.requiredMaxRequestSize(base, 1_100_000);
    assertEquals(dinoFp16.denseBytes(), size);
  }

  @Test
  void neverGoesBelowKafkasDefaultRequestSize() {
    assertEquals(1024 * 1024, new OutputSizing(1000, 1000).requiredMaxRequestSize(base, 2000));
  }

  @Test
  void refusesAUserLimitSmallerThanTheConfiguredRecordNamingTheKeyAndTheFixes() {
    AppConfig tooSmall = base.withPassThrough(Map.of("producer.max.request.size", "10000000"));
    var e = assertThrows(ConfigException.class, () -> dinoFp16.requiredMaxRequestSize(tooSmall, 1_100_000));
    assertTrue(e.getMessage().startsWith("producer.max.request.size=10000000 is smaller than the configured output"),
        e.getMessage());
    assertTrue(e.getMessage().contains("output.projection"), e.getMessage());
  }

  @Test
  void keepsAUserLimitThatFits() {
    AppConfig big = base.withPassThrough(Map.of("producer.max.request.size", "80000000"));
    assertEquals(80_000_000, dinoFp16.requiredMaxRequestSize(big, 1_100_000));
  }

  @Test
  void producerBufferHoldsTwoRecordsWhenTheUserSetNone() {
    // regression: a 38.5 MB dense record against Kafka's 32 MiB default buffer killed the stream thread in a loop
    int maxRequest = 38_535_581;
    assertEquals(2L * maxRequest, dinoFp16.requiredBufferMemory(base, maxRequest));
  }

  @Test
  void producerBufferNeverGoesBelowKafkasDefault() {
    assertEquals(OutputSizing.DEFAULT_BUFFER_MEMORY, dinoFp16.requiredBufferMemory(base, 1024 * 1024));
  }

  @Test
  void refusesAUserBufferThatCannotHoldOneRecord() {
    AppConfig small = base.withPassThrough(Map.of("producer.buffer.memory", "33554432"));
    var e = assertThrows(ConfigException.class, () -> dinoFp16.requiredBufferMemory(small, 40_000_000));
    assertTrue(e.getMessage().startsWith("producer.buffer.memory=33554432 cannot hold one output record"),
        e.getMessage());
  }
}
