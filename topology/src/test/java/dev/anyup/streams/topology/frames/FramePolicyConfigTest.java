package dev.anyup.streams.topology.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FramePolicyConfigTest {
  private static AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "http://r"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void isOffByDefault() {
    FramePolicy p = config(Map.of()).frames();
    assertFalse(p.enabled());
    assertFalse(p.publishesSkipped());
    assertEquals(FramePolicy.off(), p);
  }

  @Test
  void readsTheThreeKeys() {
    FramePolicy p = config(Map.of("frames.max.age.ms", "2000", "frames.min.interval.ms", "500",
        "frames.skipped.topic", " frames.skipped ")).frames();
    assertEquals(Duration.ofSeconds(2), p.maxAge());
    assertEquals(Duration.ofMillis(500), p.minInterval());
    assertEquals("frames.skipped", p.skippedTopic());
    assertTrue(p.freshness() && p.sampling() && p.publishesSkipped());
  }

  @Test
  void maxAgeNegative() {
    var e = assertThrows(ConfigException.class, () -> config(Map.of("frames.max.age.ms", "-1")));
    assertEquals("frames.max.age.ms must not be negative (0 = off) but was -1", e.getMessage());
  }

  @Test
  void minIntervalNegative() {
    var e = assertThrows(ConfigException.class, () -> config(Map.of("frames.min.interval.ms", "-5")));
    assertEquals("frames.min.interval.ms must not be negative (0 = off) but was -5", e.getMessage());
  }

  @Test
  void maxAgeNotANumber() {
    var e = assertThrows(ConfigException.class, () -> config(Map.of("frames.max.age.ms", "2s")));
    assertEquals("frames.max.age.ms must be an integer but was '2s'", e.getMessage());
  }

  @Test
  void skippedTopicSameAsTheDeadLetterTopic() {
    var e = assertThrows(ConfigException.class, () -> config(Map.of("frames.skipped.topic", "images.dlq")));
    assertTrue(e.getMessage().startsWith("frames.skipped.topic must differ"), e.getMessage());
    assertTrue(e.getMessage().contains("'images.dlq'"), e.getMessage());
  }

  @Test
  void describesThePolicyInForceInOneStartUpLine() {
    assertEquals("frames policy: off (every frame is processed; frames.max.age.ms and frames.min.interval.ms are 0)",
        FramePolicy.off().describe());
    String both = new FramePolicy(Duration.ofMillis(3000), Duration.ofMillis(400), "frames.skipped").describe();
    assertEquals("frames policy: skip frames older than 3000 ms when their turn comes (STALE, frames.max.age.ms); "
        + "at most one frame per source every 400 ms of capture time (SAMPLED, frames.min.interval.ms); skipped "
        + "frames published to frames.skipped", both);
    assertTrue(new FramePolicy(Duration.ZERO, Duration.ofMillis(200), "").describe()
        .endsWith("every 200 ms of capture time (SAMPLED, frames.min.interval.ms); skipped frames counted only "
            + "(anyup_frames_skipped_total{source,reason})"));
  }
}
