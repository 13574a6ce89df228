package dev.anyup.streams.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import dev.anyup.streams.topology.ConfigKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The one place that reads configuration files and the environment. A file (YAML, flat dotted keys or nested maps, or
 * {@code .properties}) is merged with {@code ANYUP_*} environment variables, which win: {@code ANYUP_} + the key
 * upper-cased with {@code .} → {@code _} (e.g. {@code ANYUP_BOOTSTRAP_SERVERS}, {@code ANYUP_KAFKA_SASL_JAAS_CONFIG}).
 * An environment variable that matches a typed key or a key in the file sets that key; any other becomes the
 * lower-cased dotted key (so {@code ANYUP_PRODUCER_COMPRESSION_TYPE} → {@code producer.compression.type}).
 */
public final class ConfigLoader {
  /** Environment variable naming the config file. */
  public static final String CONFIG_ENV = "ANYUP_CONFIG";
  private static final List<String> NOT_CONFIG = List.of("ANYUP_CONFIG", "ANYUP_APICURIO_ZIP");

  private ConfigLoader() {}

  /** Loads {@code file} (nullable: environment only) with {@code env} overrides. */
  public static AppConfig load(Path file, Map<String, String> env) {
    return load(file, env, Map.of(), Map.of());
  }

  /**
   * Like {@link #load(Path, Map)} with {@code defaults} under the file and the environment and {@code overrides}
   * over them (a command's own settings: {@code demo}'s local endpoints, a {@code --bundle} option).
   */
  static AppConfig load(Path file, Map<String, String> env, Map<String, String> defaults,
      Map<String, String> overrides) {
    Map<String, String> raw = new LinkedHashMap<>(defaults);
    if (file != null) {
      raw.putAll(readFile(file));
    }
    raw.putAll(fromEnv(env, raw.keySet()));
    raw.putAll(overrides);
    try {
      return AppConfig.fromMap(raw);
    } catch (ConfigException e) {
      throw new ConfigException((file == null ? "environment" : file.toString()) + ": " + e.getMessage(), e);
    }
  }

  /**
   * A Kafka client properties file, as Kafka's own tools read with {@code --command-config} (always
   * {@code .properties} syntax, whatever the file is called).
   */
  static Map<String, String> readClientProperties(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("client config file " + file + " does not exist or is not a file");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new ConfigException("cannot read client config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, p.getProperty(k).trim()));
    return m;
  }

  /** Flat dotted keys from a YAML or {@code .properties} file. */
  static Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist or is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".properties")) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
      }
      try (InputStream in = Files.newInputStream(file)) {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
        Map<String, String> m = new LinkedHashMap<>();
        if (root != null && !root.isMissingNode() && !root.isNull()) {
          if (!root.isObject()) {
            throw new ConfigException("config file " + file + " must hold a map of keys, not " + root.getNodeType());
          }
          flatten("", root, m);
        }
        return m;
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(syntaxError(file, e));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A YAML syntax error's position and problem, without the parser's quoted snippet of the file: the line it quotes
   * may hold a password or a JAAS string. The cause is not kept for the same reason (its message has the snippet).
   */
  static String syntaxError(Path file, com.fasterxml.jackson.core.JsonProcessingException e) {
    StringBuilder m = new StringBuilder("config file " + file + " is not valid YAML");
    var loc = e.getLocation();
    if (loc != null && loc.getLineNr() > 0) {
      m.append(" at line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr());
    }
    Throwable cause = e.getCause();
    if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblem() != null) {
      m.append(": ").append(marked.getProblem());
    }
    return m.append(" (the line is not shown: it may hold a secret)").toString();
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(n -> items.add(n.asText()));
      out.put(prefix, String.join(",", items));
    } else {
      out.put(prefix, node.isNull() ? "" : node.asText());
    }
  }

  /** Overrides from {@code ANYUP_*} variables; {@code knownKeys} are file keys whose env spelling should map back. */
  static Map<String, String> fromEnv(Map<String, String> env, Iterable<String> knownKeys) {
    Map<String, String> byEnvName = new LinkedHashMap<>();
    ConfigKeys.DEF.names().forEach(k -> byEnvName.put(envName(k), k));
    knownKeys.forEach(k -> byEnvName.put(envName(k), k));
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach((name, value) -> {
      if (!name.startsWith("ANYUP_") || NOT_CONFIG.contains(name)) {
        return;
      }
      String key = byEnvName.getOrDefault(name,
          name.substring("ANYUP_".length()).toLowerCase(Locale.ROOT).replace('_', '.'));
      out.put(key, value);
    });
    return out;
  }

  /** {@code ANYUP_} + key upper-cased with dots (and dashes) as underscores. */
  static String envName(String key) {
    return "ANYUP_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
