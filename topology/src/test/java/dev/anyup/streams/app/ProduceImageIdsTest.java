package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ProduceImageIdsTest {
  private static final Path FILE = Path.of("photos", "img-1.jpg");

  @Test
  void byDefaultTheImageIdIsTheFileName() {
    assertEquals("img-1.jpg", ProduceCommand.ids("", false).apply(FILE));
  }

  @Test
  void aPrefixGoesInFrontOfTheFileName() {
    assertEquals("run2/img-1.jpg", ProduceCommand.ids("run2/", false).apply(FILE));
  }

  @Test
  void generatedIdsDifferOnEveryPublishAndKeepTheExtension() {
    Function<Path, String> ids = ProduceCommand.ids("p-", true);
    String a = ids.apply(FILE);
    String b = ids.apply(FILE);
    assertNotEquals(a, b, "publishing the same file twice gives two images");
    assertTrue(a.matches("p-[0-9a-f-]{36}\\.jpg"), a);
  }

  @Test
  void theOptionsReachTheCommand() {
    ProduceCommand c = new ProduceCommand();
    new picocli.CommandLine(c).parseArgs("--id-prefix", "x-", "--generated-ids", "dir");
    assertEquals("x-", c.idPrefix);
    assertTrue(c.generatedIds);
  }
}
