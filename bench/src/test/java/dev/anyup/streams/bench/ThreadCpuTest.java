package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

  private static final String APP = "bench-3-null-f16-pipeline-batch-1-ab12";

  @Test
  void threadsAreSortedIntoModelPipelineAndOthersByName() {
    assertEquals("model", ThreadCpu.role("anyup-batcher-0", APP));
    assertEquals("pipeline", ThreadCpu.role(APP + "-5f0e-StreamThread-1", APP));
    assertEquals("pipeline", ThreadCpu.role("kafka-producer-network-thread | " + APP + "-5f0e-StreamThread-2-producer", APP));
    assertEquals("pipeline", ThreadCpu.role("anyup-progress", APP));
    assertEquals("other", ThreadCpu.role("data-plane-kafka-request-handler-3", APP));
    assertEquals("other", ThreadCpu.role("kafka-producer-network-thread | producer-1", APP), "the input producer");
    assertEquals("other", ThreadCpu.role("main", APP));
    assertEquals("other", ThreadCpu.role(null, APP));
  }

  @Test
  void perImageCpuIsTheDifferencePerRoleOverTheImages() {
    ThreadCpu.Snapshot before = new ThreadCpu.Snapshot(Map.of(1L, 1_000_000L, 2L, 0L, 3L, 5_000_000L),
        Map.of(1L, "anyup-batcher-0", 2L, APP + "-StreamThread-1", 3L, "main"), 100);
    ThreadCpu.Snapshot after = new ThreadCpu.Snapshot(Map.of(1L, 41_000_000L, 2L, 10_000_000L, 3L, 9_000_000L,
        4L, 2_000_000L), Map.of(1L, "anyup-batcher-0", 2L, APP + "-StreamThread-1", 3L, "main",
        4L, "anyup-batcher-1"), 120);
    ThreadCpu.PerImage p = ThreadCpu.between(before, after, APP, 2);
    assertEquals(21.0, p.model(), 1e-9, "(40 + 2) ms over 2 images, a thread started in between counted from 0");
    assertEquals(5.0, p.pipeline(), 1e-9);
    assertEquals(2.0, p.others(), 1e-9);
    assertEquals(10.0, p.jit(), 1e-9);
    assertEquals(5.0 / 21.0, p.ownOverModel(), 1e-9);
    assertTrue(p.toString().contains("model calls 21.0 ms"), p.toString());
  }
}
