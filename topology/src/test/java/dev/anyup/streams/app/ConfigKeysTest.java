package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigDef;
import dev.anyup.streams.topology.ConfigException;
import dev.anyup.streams.topology.ConfigKeys;
import dev.anyup.streams.topology.ConfigReference;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code anyup-streams config} lists exactly the keys {@link ConfigLoader} accepts: checked against the real loader
 * (a file with every listed key), not against a copy of the list; each key is read (changing it changes the
 * configuration), and each stated range or choice is what the loader enforces.
 */
class ConfigKeysTest {
  private static final Map<String, String> REQUIRED =
      Map.of("bootstrap.servers", "broker:9092", "schema.registry.url", "http://registry:8081");

  @TempDir Path dir;

  /** Loads a {@code .properties} file holding {@code entries} through the real loader (no environment). */
  private AppConfig load(Map<String, String> entries) throws IOException {
    Properties p = new Properties();
    p.putAll(entries);
    Path f = Files.createTempFile(dir, "app", ".properties");
    try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
      p.store(w, null);
    }
    return ConfigLoader.load(f, Map.of());
  }

  /** Every listed key at its default (a placeholder for the required ones). */
  private static Map<String, String> everyKeyAtItsDefault() {
    Map<String, String> m = new LinkedHashMap<>();
    for (ConfigDef.Key k : ConfigKeys.DEF.keys()) {
      m.put(k.name(), k.required() ? REQUIRED.get(k.name()) : k.defaultValue());
    }
    return m;
  }

  @Test
  void everyListedKeyAtItsDefaultIsAcceptedAndGivesTheDefaults() throws IOException {
    AppConfig all = load(everyKeyAtItsDefault());
    assertEquals(load(REQUIRED), all);
    assertEquals(AppConfig.defaults(REQUIRED.get("bootstrap.servers"), REQUIRED.get("schema.registry.url")), all,
        "the registry's defaults are the records' defaults");
  }

  @Test
  void everyListedKeyIsRead() throws IOException {
    AppConfig base = load(REQUIRED);
    for (ConfigDef.Key k : ConfigKeys.DEF.keys()) {
      Map<String, String> m = new LinkedHashMap<>(REQUIRED);
      m.put(k.name(), otherValidValue(k));
      AppConfig changed = load(m);
      assertNotEquals(base, changed, k.name() + " = " + m.get(k.name()) + " changed nothing");
    }
  }

  @Test
  void keysNotListedAreRefusedAsUnknown() throws IOException {
    for (String key : ConfigKeys.DEF.names()) {
      if (AppConfig.PASS_THROUGH_PREFIXES.stream().anyMatch(key::startsWith)) {
        continue; // schema.registry.urlx is a pass-through key
      }
      Map<String, String> m = new LinkedHashMap<>(REQUIRED);
      m.put(key + "x", "1");
      ConfigException e = assertThrows(ConfigException.class, () -> load(m), key + "x");
      assertTrue(e.getMessage().contains("unknown configuration key '" + key + "x'"), e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>(REQUIRED);
    m.put("serve.application.id", "x");
    assertThrows(ConfigException.class, () -> load(m));
  }

  @Test
  void passThroughPrefixesAreAccepted() throws IOException {
    Map<String, String> m = new LinkedHashMap<>(REQUIRED);
    for (String prefix : AppConfig.PASS_THROUGH_PREFIXES) {
      m.put(prefix + "client.id", "x");
    }
    AppConfig c = load(m);
    AppConfig.PASS_THROUGH_PREFIXES.forEach(p -> assertEquals("x", c.passThrough().get(p + "client.id")));
  }

  @Test
  void statedRangesAndChoicesAreWhatTheLoaderEnforces() throws IOException {
    for (ConfigDef.Key k : ConfigKeys.DEF.keys()) {
      ConfigDef.Allowed a = k.allowed();
      if (a.min() != null) {
        accepted(k, Long.toString(a.min()));
        refused(k, Long.toString(a.min() - 1));
      }
      if (a.max() != null) {
        accepted(k, Long.toString(a.max()));
        refused(k, Long.toString(a.max() + 1));
      }
      if (!a.choices().isEmpty()) {
        refused(k, "no-such-choice");
        for (String choice : a.choices()) {
          if (!choice.contains(":N")) {
            accepted(k, choice);
          }
        }
      }
    }
  }

  @Test
  void everyKeyHasItsEnvironmentVariable() {
    for (String key : ConfigKeys.DEF.names()) {
      assertEquals(Map.of(key, "v"), ConfigLoader.fromEnv(Map.of(ConfigLoader.envName(key), "v"), List.of()), key);
    }
  }

  @Test
  void configCommandPrintsEveryKeyAndTheMarkdownReference() {
    String text = run("config");
    for (ConfigDef.Key k : ConfigKeys.DEF.keys()) {
      assertTrue(text.contains("  " + k.name() + " (" + k.type().label() + ", "), k.name() + " missing in:\n" + text);
    }
    assertEquals(ConfigReference.markdown(), run("config", "--markdown"));
  }

  @Test
  void commandsTakingAConfigFilePointAtTheConfigCommand() {
    for (String command : List.of("run", "demo", "serve", "fit-probe")) {
      String help = run(command, "--help").replaceAll("\\s+", " ");
      assertTrue(help.contains("See `anyup-streams config` for every key"), command + " --help: " + help);
    }
  }

  /** What a value needs beside it to be valid, as its key's doc says. */
  private static final Map<String, Map<String, String>> NEEDS =
      Map.of("segmentation.head=probe", Map.of("segmentation.probe.file", "probe.json"));

  private void accepted(ConfigDef.Key k, String value) throws IOException {
    Map<String, String> m = new LinkedHashMap<>(REQUIRED);
    m.put(k.name(), value);
    m.putAll(NEEDS.getOrDefault(k.name() + "=" + value, Map.of()));
    try {
      load(m);
    } catch (ConfigException e) {
      fail(k.name() + " = " + value + " is within what ConfigKeys states (" + k.allowed().describe()
          + ") but was refused: " + e.getMessage());
    }
  }

  private void refused(ConfigDef.Key k, String value) {
    Map<String, String> m = new LinkedHashMap<>(REQUIRED);
    m.put(k.name(), value);
    ConfigException e = assertThrows(ConfigException.class, () -> load(m),
        k.name() + " = " + value + " is outside what ConfigKeys states (" + k.allowed().describe() + ")");
    assertTrue(e.getMessage().contains(k.name()), "message names the key: " + e.getMessage());
  }

  /** A valid value other than the default, for every kind of key. */
  private static String otherValidValue(ConfigDef.Key k) {
    if (k.required()) {
      return "other-" + REQUIRED.get(k.name());
    }
    String d = k.defaultValue();
    return switch (k.type()) {
      case BOOLEAN -> Boolean.toString(!Boolean.parseBoolean(d));
      case INT, LONG -> {
        long v = Long.parseLong(d);
        yield Long.toString(k.allowed().max() != null && v + 1 > k.allowed().max() ? v - 1 : v + 1);
      }
      case DOUBLE -> Double.toString(Double.parseDouble(d) / 2);
      case STRING -> {
        if (!k.allowed().choices().isEmpty()) {
          yield k.allowed().choices().stream().filter(c -> !c.equalsIgnoreCase(d))
              .map(c -> c.replace(":N", ":0")).filter(c -> !Set.of("probe").contains(c)).findFirst().orElseThrow();
        }
        yield d.isEmpty() ? "/tmp/other" : "other-" + d;
      }
    };
  }

  private static String run(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      int rc = Main.execute(args);
      assertEquals(0, rc, String.join(" ", args));
    } finally {
      System.setOut(out);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
