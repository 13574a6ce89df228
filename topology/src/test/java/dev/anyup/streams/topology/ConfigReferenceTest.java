package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
    if (!generated.equals(committed)) {
      fail("docs/configuration.md differs from the configuration keys in the code (ConfigKeys), "
          + firstDifference(committed, generated) + "; regenerate it at the repository root with: "
          + ConfigReference.REGENERATE);
    }
  }

  /** Where two texts first differ, by line, without printing both whole. */
  static String firstDifference(String committed, String generated) {
    String[] a = committed.split("\n", -1);
    String[] b = generated.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "(end of file)";
      String y = i < b.length ? b[i] : "(end of file)";
      if (!x.equals(y)) {
        return "first at line " + (i + 1) + ":\n  committed: " + x + "\n  generated: " + y + "\n";
      }
    }
    return "in line endings";
  }

  @Test
  void firstDifferenceNamesTheLine() {
    assertEquals("first at line 2:\n  committed: b\n  generated: c\n", firstDifference("a\nb\n", "a\nc\n"));
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
