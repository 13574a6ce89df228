package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stream-thread sizing rule (issue 12): GPU default from batch.max.size, what batch can form, the warning. */
class StreamThreadSizingTest {
  private static AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "http://r"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void cpuDefaultIsTwoThreads() {
    AppConfig cfg = config(Map.of("batch.max.size", "8"));
    assertEquals(2, cfg.streamThreads());
    assertEquals("2", cfg.streamsProperties().getProperty("num.stream.threads"));
  }

  @Test
  void gpuDefaultIsBatchMaxSizeTimesWorkersPlusOne() {
    assertEquals(16, config(Map.of("model.device", "cuda:0", "batch.max.size", "8")).streamThreads());
    assertEquals(24, config(Map.of("model.device", "cuda:1", "batch.max.size", "8", "batch.workers", "2"))
        .streamThreads());
    assertEquals("16", config(Map.of("model.device", "cuda:0", "batch.max.size", "8")).streamsProperties()
        .getProperty("num.stream.threads"));
  }

  @Test
  void aUserSetThreadCountWinsOnAGpu() {
    AppConfig cfg = config(Map.of("model.device", "cuda:0", "batch.max.size", "8", "streams.num.stream.threads", "3"));
    assertEquals(3, cfg.streamThreads());
    assertEquals("3", cfg.streamsProperties().getProperty("num.stream.threads"));
    assertTrue(StreamThreadSizing.of(cfg, 32).summary().contains("(streams.num.stream.threads)"));
  }

  @Test
  void workedExampleOneGpuHost32CamerasOn32Partitions() {
    StreamThreadSizing s = StreamThreadSizing.of(config(Map.of("model.device", "cuda:0", "batch.max.size", "8")), 32);
    assertEquals(16, s.threads());
    assertEquals(8, s.effectiveBatch());
    assertTrue(s.warning().isEmpty());
    assertTrue(s.summary().startsWith("16 stream threads (GPU default batch.max.size x (batch.workers + 1) = 8 x 2), "
        + "input topic with 32 partitions, batch.max.size 8: batches of at most 8 images can form"), s.summary());
  }

  @Test
  void fewerInputPartitionsThanThreadsWarnsAndBoundsTheBatch() {
    StreamThreadSizing s = StreamThreadSizing.of(config(Map.of("model.device", "cuda:0", "batch.max.size", "8")), 6);
    assertEquals(6, s.effectiveBatch());
    assertEquals("input topic has 6 partitions but this instance runs 16 stream threads: 10 of them will be idle (a "
        + "partition is processed by one thread of the whole group); add input partitions or lower "
        + "streams.num.stream.threads", s.warning().orElseThrow());
    assertTrue(s.summary().contains("raise the input partitions to fill it"), s.summary());
  }

  @Test
  void fewerThreadsThanBatchMaxSizeSaysSo() {
    StreamThreadSizing s = StreamThreadSizing.of(config(Map.of("batch.max.size", "8", "streams.num.stream.threads", "2")), 3);
    assertEquals(2, s.effectiveBatch());
    assertTrue(s.summary().contains("batches of at most 2 images can form on this instance (fewer than "
        + "batch.max.size: raise the stream threads to fill it)"), s.summary());
    assertTrue(s.warning().isEmpty());
  }

  @Test
  void cpuBudgetSplitsTheCoresBetweenConcurrentModelCallsUnlessTheUserSetThem() {
    AppConfig cpu = AppConfig.defaults("b:1", "mock://x");
    // 2 stream threads by default: one model call per thread, the cores split between them
    assertEquals(new AppConfig.CpuBudget(2, 1, 2), cpu.cpuBudget(2));
    assertEquals(new AppConfig.CpuBudget(2, 8, 16), cpu.cpuBudget(16));
    assertEquals(new AppConfig.CpuBudget(1, 1, 1), cpu.cpuBudget(1));
    // more stream threads: one call per thread, at most one per core
    AppConfig threads = AppConfig.fromMap(java.util.Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "streams.num.stream.threads", "3"));
    assertEquals(new AppConfig.CpuBudget(2, 1, 2), threads.cpuBudget(2));
    assertEquals(new AppConfig.CpuBudget(3, 5, 16), threads.cpuBudget(16));
    AppConfig set = AppConfig.fromMap(java.util.Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "batch.workers", "1", "model.threads", "3"));
    assertEquals(new AppConfig.CpuBudget(1, 3, 2), set.cpuBudget(2));
    AppConfig onlyWorkers = AppConfig.fromMap(java.util.Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "batch.workers", "1"));
    assertEquals(new AppConfig.CpuBudget(1, 4, 4), onlyWorkers.cpuBudget(4));
    // a GPU: one call at a time, ONNX Runtime's own thread count
    AppConfig gpu = AppConfig.fromMap(java.util.Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "model.device", "cuda:0"));
    assertEquals(new AppConfig.CpuBudget(1, 0, 16), gpu.cpuBudget(16));
    assertEquals(16, gpu.streamThreads(), "GPU stream threads: batch.max.size x (1 worker + 1)");
  }
}
