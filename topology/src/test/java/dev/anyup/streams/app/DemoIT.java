package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end (its own broker and registry): one picture per image, a summary, a clean stop. */
class DemoIT {
  @TempDir Path out;

  @Test
  void writesOnePictureOfInputBesideFeaturesPerImageAndCountsTheDeadLetters() throws Exception {
    Map<String, byte[]> images = new LinkedHashMap<>();
    images.put("a.png", TestImages.pattern(120, 90, 1, "png"));
    images.put("b.jpg", TestImages.pattern(64, 160, 2, "jpg"));
    images.put("broken.jpg", TestImages.corruptJpeg());
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    DemoCommand.Summary s;
    try (PrintStream p = new PrintStream(console, true, StandardCharsets.UTF_8)) {
      s = DemoCommand.run(images, out, 1, Duration.ofSeconds(120), p);
      s.print(p);
    }
    assertEquals(3, s.images());
    assertEquals(2, s.dense());
    assertEquals(2, s.embeddings());
    assertEquals(1, s.deadLetters());
    assertTrue(s.deadLetterReasons().get(0).startsWith("broken.jpg at stage decode"), s.deadLetterReasons().toString());
    BufferedImage pic = ImageIO.read(out.resolve("a.png.features.png").toFile());
    assertEquals(2 * 224 + 8, pic.getWidth(), "input beside features");
    assertEquals(224, pic.getHeight());
    String text = console.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("anyup-streams demo summary") && text.contains("latency p50 / p99"), text);
  }
}
