package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code docs/configuration.md} is what the code generates, so the reference cannot drift from the keys.
 * With {@code -Dconfig.reference.write=true} it rewrites the file instead ({@link ConfigReference#REGENERATE}).
 */
class ConfigReferenceTest {
  private static final Path FILE = repoRoot().resolve("docs/configuration.md");

  @Test
  void committedReferenceIsWhatTheCodeGenerates() throws IOException {
    String generated = ConfigReference.markdown();
    if (Boolean.getBoolean("config.reference.write")) {
      Files.writeString(FILE, generated, StandardCharsets.UTF_8);
    }
    assertTrue(Files.isRegularFile(FILE), FILE + " is missing; generate it with: " + ConfigReference.REGENERATE);
    String committed = Files.readString(FILE, StandardCharsets.UTF_8);
    assertEquals(generated, committed, "docs/configuration.md differs from the configuration keys in the code "
        + "(ConfigKeys); regenerate it at the repository root with: " + ConfigReference.REGENERATE);
  }

  @Test
  void referenceListsEveryKeyAndStatesHowToRegenerate() {
    String md = ConfigReference.markdown();
    assertTrue(md.contains(ConfigReference.REGENERATE), "the command is at the top of the file");
    for (ConfigDef.Key k : ConfigKeys.DEF.keys()) {
      assertTrue(md.contains("| `" + k.name() + "` | " + k.type().label() + " |"), k.name());
    }
    for (String prefix : AppConfig.PASS_THROUGH_PREFIXES) {
      assertTrue(md.contains("| `" + prefix + "` |"), prefix);
    }
    for (String clientKey : AppConfig.CONSUMER_DEFAULTS.keySet()) {
      assertTrue(md.contains("`" + clientKey + "` | `" + AppConfig.CONSUMER_DEFAULTS.get(clientKey) + "`"), clientKey);
    }
    for (String clientKey : AppConfig.PRODUCER_DEFAULTS.keySet()) {
      assertTrue(md.contains("`" + clientKey + "` | `" + AppConfig.PRODUCER_DEFAULTS.get(clientKey) + "`"), clientKey);
    }
  }

  private static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("topology/pom.xml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (with topology/pom.xml) above " + Path.of("").toAbsolutePath());
  }
}
