package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code demo} reads the configuration {@code run} reads ({@code --config}, {@code --bundle}, {@code ANYUP_*}). */
class DemoConfigTest {
  @TempDir Path dir;

  private static AppConfigOptions parse(String... args) {
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs(args);
    return demo.options;
  }

  private static AppConfig demoConfig(AppConfigOptions o, Map<String, String> env) {
    return DemoCommand.config(o, env, "127.0.0.1:1234", "http://127.0.0.1:5678/apis/ccompat/v7");
  }

  @Test
  void withoutConfigurationRunsTheDefaultBundleOnTheLocalStack() {
    AppConfig cfg = demoConfig(parse(), Map.of());
    assertEquals("default", cfg.model().bundle());
    assertEquals("127.0.0.1:1234", cfg.bootstrapServers());
    assertEquals(2, cfg.topics().partitions());
    assertTrue(cfg.applicationId().startsWith("anyup-demo-"), cfg.applicationId());
  }

  @Test
  void configFileAndEnvironmentApplyAsForRunButTheEndpointsAreTheLocalStacks() throws Exception {
    Path yaml = Files.writeString(dir.resolve("app.yaml"), """
        bootstrap.servers: prod-broker:9092
        schema.registry.url: http://prod-registry:8081
        topics.replication: 3
        model:
          bundle: /models/from-file
          upsampler: bilinear
        output.dense.dtype: INT8
        """);
    AppConfig cfg = demoConfig(parse("--config", yaml.toString()), Map.of("ANYUP_OUTPUT_DENSE_DTYPE", "FLOAT32"));
    assertEquals("/models/from-file", cfg.model().bundle());
    assertEquals("bilinear", cfg.model().upsampler());
    assertEquals("FLOAT32", cfg.output().denseDtype(), "ANYUP_* wins over the file, as for run");
    assertEquals("127.0.0.1:1234", cfg.bootstrapServers());
    assertEquals("http://127.0.0.1:5678/apis/ccompat/v7", cfg.schemaRegistryUrl());
    assertEquals(1, cfg.topics().replication(), "one local broker");
  }

  @Test
  void bundleOptionWinsOverFileAndEnvironment() throws Exception {
    Path yaml = Files.writeString(dir.resolve("app.yaml"), "model.bundle: /models/from-file\n");
    AppConfig cfg = demoConfig(parse("--config", yaml.toString(), "--bundle", "/models/chosen"),
        Map.of("ANYUP_MODEL_BUNDLE", "/models/from-env"));
    assertEquals("/models/chosen", cfg.model().bundle());
  }

  @Test
  void configFileFromAnyupConfigWhenNoOption() throws Exception {
    Path yaml = Files.writeString(dir.resolve("app.yaml"), "model.input.size: 448\n");
    assertEquals(448, demoConfig(parse(), Map.of("ANYUP_CONFIG", yaml.toString())).model().inputSize());
  }

  @Test
  void unknownKeyInTheFileIsRefusedNamingTheFile() throws Exception {
    Path yaml = Files.writeString(dir.resolve("app.yaml"), "modle.bundle: x\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> demoConfig(parse("--config", yaml.toString()), Map.of()));
    assertTrue(e.getMessage().startsWith(yaml + ": unknown configuration key 'modle.bundle'"), e.getMessage());
  }
}
