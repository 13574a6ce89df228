package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The {@code produce}, {@code inspect} and {@code verify-bundle} commands against the real stack. */
@ExtendWith(SharedStack.class)
class CommandLineIT {
  @TempDir Path dir;

  @Test
  void verifyBundleExitsZeroForTheDefaultBundle() {
    assertEquals(0, Main.execute("verify-bundle"));
  }

  @Test
  void producePublishesAFolderAndInspectRendersTheDenseFeaturesToPng() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "cli-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    Path images = Files.createDirectories(dir.resolve("images"));
    for (int i = 0; i < 3; i++) {
      Files.write(images.resolve("img-" + i + ".png"), TestImages.pattern(90, 60, i, "png"));
    }
    Files.writeString(images.resolve("notes.txt"), "not an image, skipped");
    try (AnyupApp app = AnyupApp.start(cfg); ItSupport.Client client = new ItSupport.Client(app.config())) {
      assertEquals(0, Main.execute("produce", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().input(), "--source-id", "cam-cli", images.toString()));
      assertEquals(3, client.collect(3, 3, 0, Duration.ofSeconds(90)).dense().size());
      Path png = dir.resolve("png");
      assertEquals(0, Main.execute("inspect", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().dense(), "--max", "3", "--idle-ms", "3000",
          "--png", png.toString()));
      for (int i = 0; i < 3; i++) {
        BufferedImage img = ImageIO.read(png.resolve("img-" + i + ".png.png").toFile());
        assertEquals(224, img.getWidth(), "one pixel per dense feature");
      }
      assertEquals(0, Main.execute("inspect", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().embeddings(), "--max", "3", "--idle-ms", "3000"));
    }
  }
}
