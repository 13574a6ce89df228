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

/**
 * The demo end to end (its own broker and registry): one picture per image, a summary, a clean stop; configured as
 * {@code run} is ({@code --config}, {@code --bundle}, {@code ANYUP_*}).
 */
class DemoIT {
  /** The default bundle's folder in the source tree: {@code --bundle DIR} as a user passes it. */
  private static final Path BUNDLE = Path.of("../models/src/main/resources/dev/anyup/streams/models/default-bundle");

  @TempDir Path out;

  @Test
  void writesOnePictureOfInputBesideFeaturesPerImageAndCountsTheDeadLetters(@TempDir Path conf) throws Exception {
    Map<String, byte[]> images = new LinkedHashMap<>();
    images.put("a.png", TestImages.pattern(120, 90, 1, "png"));
    images.put("b.jpg", TestImages.pattern(64, 160, 2, "jpg"));
    images.put("broken.jpg", TestImages.corruptJpeg());
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    DemoCommand.Summary s;
    try (PrintStream p = new PrintStream(console, true, StandardCharsets.UTF_8)) {
      // the configuration run would read: a file, a bundle folder, an ANYUP_* override
      java.nio.file.Files.writeString(conf.resolve("app.yaml"), "output.dense.dtype: INT8\n");
      DemoCommand demo = new DemoCommand();
      new picocli.CommandLine(demo).parseArgs("--config", conf.resolve("app.yaml").toString(), "--bundle",
          BUNDLE.toString());
      s = DemoCommand.run(images, out, 1, Duration.ofSeconds(120), p, demo.options,
          Map.of("ANYUP_OUTPUT_DENSE_DTYPE", "FLOAT32"));
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
    assertTrue(text.contains("  bundle anyup-default 0.1.0 from " + BUNDLE.toAbsolutePath().normalize()
        + ": encoder "), "says which bundle it used: " + text);
    assertTrue(s.denseBytesPerRecord() > 32 * 224 * 224 * 4, "ANYUP_OUTPUT_DENSE_DTYPE=FLOAT32 won over the file's "
        + "INT8: " + s.denseBytesPerRecord() + " bytes per record");
  }
}
