package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration options {@code run} and {@code demo} share: a config file ({@code --config}, else
 * {@code $ANYUP_CONFIG}), {@code ANYUP_*} environment overrides, and {@code --bundle}, which wins over both.
 */
final class AppConfigOptions {
  @Option(names = {"-c", "--config"}, description = "YAML or .properties config file (default: $ANYUP_CONFIG); ANYUP_* environment "
      + "variables override it. See `anyup-streams config` for every key.")
  Path config;

  @Option(names = "--bundle", description = "model bundle folder (sets model.bundle; 'default' = the one in the jar)")
  String bundle;

  /** The config file named by {@code --config}, else by {@code ANYUP_CONFIG} in {@code env}, else none. */
  Path file(Map<String, String> env) {
    if (config != null) {
      return config;
    }
    String named = env.get(ConfigLoader.CONFIG_ENV);
    return named == null || named.isBlank() ? null : Path.of(named);
  }

  /** The configuration: {@code defaults}, the file, {@code env}, then {@code overrides} and {@code --bundle}. */
  AppConfig load(Map<String, String> env, Map<String, String> defaults, Map<String, String> overrides) {
    Map<String, String> over = new LinkedHashMap<>(overrides);
    if (bundle != null) {
      over.put("model.bundle", bundle);
    }
    return ConfigLoader.load(file(env), env, defaults, over);
  }
}
