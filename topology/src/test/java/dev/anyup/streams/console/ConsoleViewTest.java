package dev.anyup.streams.console;

import static dev.anyup.streams.console.ConsoleTestData.deadLetter;
import static dev.anyup.streams.console.ConsoleTestData.dense;
import static dev.anyup.streams.console.ConsoleTestData.event;
import static dev.anyup.streams.console.ConsoleTestData.labelMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ConsoleViewTest {

  @Test
  void tileKeepsItsLabelMapAsAColouredOverlayOnTheSourceRectangleTheModelSaw() throws Exception {
    try (ConsoleView view = new ConsoleView(3, d -> new byte[] {9})) {
      view.add(labelMap("m1", "cam"));
      view.add(event("m1", "cam"), dense("m1", "cam", 1));
      view.add(event("m2", "cam"), dense("m2", "cam", 2));
      ConsoleView.Overlay o = view.tile("m1").orElseThrow().overlay();
      assertEquals(List.of("unknown", "sky"), o.classNames());
      assertEquals(List.of(588L, 196L), o.counts());
      // the 28x28 input covers source x 25..75, y 0..50
      assertEquals(25.0, o.x(), 1e-9);
      assertEquals(0.0, o.y(), 1e-9);
      assertEquals(50.0, o.width(), 1e-9);
      assertEquals(50.0, o.height(), 1e-9);
      BufferedImage png = ImageIO.read(new ByteArrayInputStream(o.png()));
      assertEquals(dev.anyup.streams.segmentation.LabelPalette.argb(1), png.getRGB(3, 2));
      assertEquals(0, png.getRGB(3, 20) >>> 24, "label 0 is transparent");
      assertNull(view.tile("m2").orElseThrow().overlay(), "an image without a label map has no overlay");
    }
  }

  @Test
  void keepsOriginalsForDefiningConceptsOnlyForRecentTiles() {
    try (ConsoleView view = new ConsoleView(8, d -> new byte[0])) {
      byte[] big = TestImages.pattern(900, 700, 1, "png");
      assertTrue(big.length > ConsoleView.MAX_TILE_IMAGE_BYTES, "a large original, shown as a thumbnail");
      for (int i = 0; i <= ConsoleView.DEFINABLE_LARGE; i++) {
        ImageEvent e = event("big" + i, "cam");
        e.setImage(ByteBuffer.wrap(big));
        view.add(e, dense("big" + i, "cam", i));
      }
      assertFalse(view.definable("big0"), "only the last few large originals are kept");
      assertTrue(view.original("big1").isPresent());
      assertEquals(big.length, view.original("big" + ConsoleView.DEFINABLE_LARGE).orElseThrow().length);
      view.add(event("small", "cam"), dense("small", "cam", 9));
      assertTrue(view.definable("small"), "a small original is the tile's own picture");
      assertTrue(view.original("unknown").isEmpty());
    }
  }

  @Test
  void keepsOnlyTheLatestTilesOfEachSourceNewestFirst() {
    try (ConsoleView view = new ConsoleView(3, d -> new byte[] {9})) {
      for (int i = 0; i < 5; i++) {
        view.add(event("a" + i, "cam-a"), dense("a" + i, "cam-a", i));
      }
      view.add(event("b0", "cam-b"), dense("b0", "cam-b", 7));
      var recent = view.recent();
      assertEquals(List.of("cam-a", "cam-b"), List.copyOf(recent.keySet()), "sources in id order");
      assertEquals(List.of("a4", "a3", "a2"), recent.get("cam-a").stream().map(ConsoleView.Tile::imageId).toList());
      assertTrue(view.tile("a2").isPresent());
      assertTrue(view.tile("a1").isEmpty());
    }
  }

  @Test
  void keepsTheFeaturesOfOnlyTheLastFewImagesForSegmentation() {
    try (ConsoleView view = new ConsoleView(8, d -> new byte[0])) {
      for (int i = 0; i < ConsoleView.SEGMENTABLE + 2; i++) {
        view.add(event("i" + i, "cam"), dense("i" + i, "cam", i));
      }
      assertFalse(view.segmentable("i0"));
      assertFalse(view.segmentable("i1"));
      assertTrue(view.segmentable("i2"));
      assertTrue(view.features("i" + (ConsoleView.SEGMENTABLE + 1)).isPresent());
    }
  }

  @Test
  void keepsTheLatestDeadLettersAndDropsTheBytesOfHugeOnes() {
    try (ConsoleView view = new ConsoleView(8, d -> new byte[0])) {
      for (int i = 0; i < ConsoleView.DEAD_LETTERS + 3; i++) {
        view.add(deadLetter("d" + i, new byte[] {(byte) i}));
      }
      view.add(deadLetter("huge", new byte[ConsoleView.MAX_DEAD_LETTER_BYTES + 1]));
      List<ConsoleView.DeadLetterEntry> kept = view.deadLetters();
      assertEquals(ConsoleView.DEAD_LETTERS, kept.size());
      assertEquals("huge", kept.get(0).letter().imageId());
      assertNull(kept.get(0).value());
      assertEquals(ConsoleView.MAX_DEAD_LETTER_BYTES + 1, kept.get(0).originalBytes());
      assertEquals("d" + (ConsoleView.DEAD_LETTERS + 2), kept.get(1).letter().imageId());
    }
  }

  @Test
  void neverBlocksTheCallerWhenTheConsoleIsBehindButCountsWhatItDropped() throws InterruptedException {
    CountDownLatch rendering = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ConsoleView view = new ConsoleView(8, d -> {
      rendering.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new byte[0];
    })) {
      view.processed(event("first", "cam"), dense("first", "cam", 0));
      assertTrue(rendering.await(10, TimeUnit.SECONDS), "the worker picks up the first output");
      int extra = 10;
      for (int i = 0; i < ConsoleView.QUEUE_CAPACITY + extra; i++) {
        view.processed(event("x" + i, "cam"), dense("x" + i, "cam", i));
      }
      assertEquals(extra, view.dropped());
      release.countDown();
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> view.tile("x" + (ConsoleView.QUEUE_CAPACITY - 1)).isPresent());
    }
  }

  @Test
  void keepsALargeOriginalAsASmallJpegThumbnail() throws Exception {
    byte[] bmp = TestImages.pattern(640, 480, 1, "bmp");
    assertTrue(bmp.length > ConsoleView.MAX_TILE_IMAGE_BYTES, "the fixture is large");
    ImageEvent event = ImageEvent.newBuilder(event("big", "cam")).setImage(ByteBuffer.wrap(bmp))
        .setContentType("image/bmp").build();
    try (ConsoleView view = new ConsoleView(8, d -> new byte[0])) {
      view.add(event, dense("big", "cam", 1));
      ConsoleView.Tile t = view.tile("big").orElseThrow();
      assertEquals("image/jpeg", t.contentType());
      BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(t.image()));
      assertEquals(ConsoleView.THUMBNAIL_SIDE, thumb.getWidth());
      assertEquals(192, thumb.getHeight());
    }
  }

  @Test
  void ignoresImagesWithoutDenseOutput() {
    try (ConsoleView view = new ConsoleView(8, d -> new byte[0])) {
      view.processed(event("e", "cam"), null);
      assertEquals(0, view.dropped());
      assertTrue(view.recent().isEmpty());
    }
  }

  @Test
  void recentPerSource_belowOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ConsoleView(0, d -> new byte[0]));
    assertEquals("recentPerSource must be at least 1 but was 0", e.getMessage());
  }

  @Test
  void rendersAtMostOnePicturePerIntervalAndABurstStillFillsTheSourcesTiles() {
    AtomicLong clock = new AtomicLong();
    AtomicInteger renders = new AtomicInteger();
    try (ConsoleView view = new ConsoleView(4, d -> {
      renders.incrementAndGet();
      return new byte[0];
    }, Duration.ofMillis(500), clock::get)) {
      // a burst of 10 from cam-a, then one from cam-b; 4 tiles per source
      for (int i = 0; i < 10; i++) {
        view.processed(event("a" + i, "cam-a"), dense("a" + i, "cam-a", i));
      }
      view.processed(event("b0", "cam-b"), dense("b0", "cam-b", 0));
      // the first is drawn at once; of the 9 waiting only the newest 4 could ever be tiles
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> view.skipped() == 5 && renders.get() == 1);
      assertTrue(view.tile("a0").isPresent());
      clock.addAndGet(Duration.ofMillis(499).toNanos());
      view.deadLettered(deadLetter("d", new byte[] {1}));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !view.deadLetters().isEmpty());
      assertEquals(1, renders.get(), "nothing drawn before the interval passed (dead letters are not held back)");
      for (int n = 0; n < 5; n++) {
        clock.addAndGet(Duration.ofMillis(500).toNanos());
        int want = n + 2;
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> renders.get() == want);
      }
      // sources took turns (cam-b was not starved by cam-a's burst) and cam-a's tiles are its 4 newest, newest first
      assertTrue(view.tile("b0").isPresent());
      assertEquals(List.of("a9", "a8", "a7", "a6"),
          view.recent().get("cam-a").stream().map(ConsoleView.Tile::imageId).toList());
      assertEquals(5, view.skipped());
      assertEquals(0, view.dropped());
    }
  }

  @Test
  void sourcesAreListedInIdOrderWhicheverWasUpdatedLast() {
    try (ConsoleView view = new ConsoleView(3, d -> new byte[] {9})) {
      view.add(event("b0", "cam-b"), dense("b0", "cam-b", 0));
      view.add(event("a0", "cam-a"), dense("a0", "cam-a", 1));
      view.add(event("c0", "cam-c"), dense("c0", "cam-c", 2));
      assertEquals(List.of("cam-a", "cam-b", "cam-c"), List.copyOf(view.recent().keySet()));
      view.add(event("b1", "cam-b"), dense("b1", "cam-b", 3));
      assertEquals(List.of("cam-a", "cam-b", "cam-c"), List.copyOf(view.recent().keySet()));
    }
  }

  @Test
  void aTileKnowsTheSourceRectangleTheModelSawForANonSquareImage() {
    try (ConsoleView view = new ConsoleView(3, d -> new byte[] {9})) {
      // 100x50 source, shorter side to 28 and a centre crop: the model saw source x 25..75, all rows
      SegmentationMap m = labelMap("w", "cam-w");
      DenseFeatures d = dense("w", "cam-w", 0);
      d.setPreprocessing(m.getPreprocessing());
      view.add(event("w", "cam-w"), d);
      ConsoleView.Rect r = view.tile("w").orElseThrow().modelInput();
      assertEquals(25, r.x(), 1e-9);
      assertEquals(0, r.y(), 1e-9);
      assertEquals(50, r.width(), 1e-9);
      assertEquals(50, r.height(), 1e-9);
    }
  }

  @Test
  void aSlowPictureDelaysTheNextSoTheRendererIsBusyAtMostATenthOfTheTime() {
    AtomicLong clock = new AtomicLong();
    AtomicInteger renders = new AtomicInteger();
    try (ConsoleView view = new ConsoleView(8, d -> {
      renders.incrementAndGet();
      clock.addAndGet(Duration.ofMillis(300).toNanos()); // this picture took 300 ms
      return new byte[0];
    }, Duration.ofMillis(500), clock::get)) {
      view.processed(event("a0", "cam-a"), dense("a0", "cam-a", 0));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> view.tile("a0").isPresent());
      view.processed(event("a1", "cam-a"), dense("a1", "cam-a", 1));
      // 300 ms of drawing: the next picture waits 300 / 0.1 = 3 s from the start of the last, not the 500 ms interval
      clock.addAndGet(Duration.ofMillis(2_600).toNanos());
      view.deadLettered(deadLetter("d", new byte[] {1}));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !view.deadLetters().isEmpty());
      assertEquals(1, renders.get(), "2.9 s after the slow picture started: not yet");
      clock.addAndGet(Duration.ofMillis(100).toNanos());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> view.tile("a1").isPresent());
      assertEquals(2, renders.get());
    }
  }
}
