package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
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

  @Test
  void guidanceStatesBytesPerImageAndKafkaBandwidthForTheConfiguredOutput() {
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      // the default bundle: 32 channels at 224; FLOAT16 dense 32 x 224 x 224 x 2 bytes + scales + headroom
      String line = OutputSizing.guidance(base, bundle);
      long perImage = OutputSizing.of(base, bundle).denseBytes() + OutputSizing.of(base, bundle).embeddingBytes();
      assertEquals(32L * 224 * 224 * 2 + 4 * 32 + OutputSizing.HEADROOM_BYTES,
          OutputSizing.of(base, bundle).denseBytes());
      assertTrue(line.startsWith("output per image: dense 3.1 MiB (FLOAT16 32x224x224) + embedding "), line);
      assertTrue(line.contains(" = " + OutputSizing.bytes(perImage) + " (upper bounds)"), line);
      assertTrue(line.endsWith("to Kafka " + OutputSizing.bytes(perImage) + "/s at 1 image/s, "
          + OutputSizing.bytes(perImage * 10) + "/s at 10 images/s, " + OutputSizing.bytes(perImage * 50)
          + "/s at 50 images/s"), line);

      AppConfig int8 = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
          "output.dense.dtype", "INT8", "output.embeddings.enabled", "false"));
      assertTrue(OutputSizing.guidance(int8, bundle).startsWith("output per image: dense 1.6 MiB (INT8 32x224x224) = "),
          OutputSizing.guidance(int8, bundle));
    }
  }

  @Test
  void bytesAreWrittenInBinaryUnits() {
    assertEquals("512 B", OutputSizing.bytes(512));
    assertEquals("36.8 MiB", OutputSizing.bytes(38_602_240));
    assertEquals("1.8 GiB", OutputSizing.bytes(38_602_240.0 * 50));
  }
}
