package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedPlanTest {
  private static final List<Path> FILES = List.of(Path.of("a.jpg"), Path.of("b.jpg"), Path.of("c.jpg"));

  private static List<FeedPlan.Frame> all(FeedPlan plan) {
    List<FeedPlan.Frame> out = new ArrayList<>();
    for (Iterator<FeedPlan.Frame> it = plan.frames(FILES); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  @Test
  void onceIsEveryFileOnceWithoutPacing() {
    List<FeedPlan.Frame> frames = all(FeedPlan.ONCE);
    assertEquals(FILES, frames.stream().map(FeedPlan.Frame::file).toList());
    assertTrue(frames.stream().allMatch(f -> f.dueNanos() == 0 && f.pass() == 0));
  }

  @Test
  void aLoopAtTenFpsForOneSecondIsTenFramesAHundredMillisecondsApart() {
    List<FeedPlan.Frame> frames = all(new FeedPlan(10, true, 1_000));
    assertEquals(10, frames.size());
    for (int i = 0; i < 10; i++) {
      assertEquals(i * 100_000_000L, frames.get(i).dueNanos());
      assertEquals(FILES.get(i % 3), frames.get(i).file());
      assertEquals(i / 3, frames.get(i).pass());
    }
  }

  @Test
  void laterPassesGetTheirNumberBeforeTheExtension() {
    assertEquals("a.jpg", FeedPlan.withPass("a.jpg", 0));
    assertEquals("a-2.jpg", FeedPlan.withPass("a.jpg", 2));
    assertEquals("frame-1", FeedPlan.withPass("frame", 1));
  }

  @Test
  void anUnpacedEndlessLoopIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FeedPlan(0, true, 0));
    assertTrue(e.getMessage().contains("--fps 5"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new FeedPlan(-1, false, 0));
    assertThrows(IllegalArgumentException.class, () -> new FeedPlan(Double.NaN, false, 0));
  }

  @Test
  void theOptionsReachTheCommand() {
    ProduceCommand c = new ProduceCommand();
    new picocli.CommandLine(c).parseArgs("--fps", "5", "--loop", "--duration", "2.5", "dir");
    assertEquals(5, c.fps);
    assertTrue(c.loop);
    assertEquals(2.5, c.durationSeconds);
  }
}
