package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void readsNestedYamlWithDefaultsForEverythingElse() throws IOException {
    Path f = write("app.yaml", """
        bootstrap.servers: broker:9092
        schema:
          registry:
            url: http://registry:8081
        topics:
          input: cams
        batch:
          max.size: 16
          max.wait.ms: 5
        output:
          dense:
            dtype: int8
          projection: pca8
        """);
    AppConfig c = ConfigLoader.load(f, Map.of());
    assertEquals("anyup-streams", c.applicationId());
    assertEquals("broker:9092", c.bootstrapServers());
    assertEquals("http://registry:8081", c.schemaRegistryUrl());
    assertEquals("cams", c.topics().input());
    assertEquals("features.dense", c.topics().dense());
    assertEquals(16, c.batch().maxSize());
    assertEquals(Duration.ofMillis(5), c.batch().maxWait());
    assertEquals("INT8", c.output().denseDtype());
    assertEquals("pca8", c.output().projectionId());
    assertEquals(4, c.topics().partitions());
    assertEquals(224, c.model().inputSize());
  }

  @Test
  void limitsDefaultToTheDecodersDefaultsAndEachIsConfigurable() {
    AppConfig d = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x"));
    assertEquals(new AppConfig.Limits(20 * 1024 * 1024, 50_000_000L, 65_535), d.limits());
    assertEquals(dev.anyup.streams.models.ImageLimits.defaults(), d.limits().imageLimits());
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "limits.image.max.bytes", "1000", "limits.image.max.pixels", "2000", "limits.image.max.side", "30000"));
    assertEquals(new dev.anyup.streams.models.ImageLimits(1000, 2000, 30_000, 30_000), c.limits().imageLimits());
    var e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "limits.image.max.side", "0")));
    assertEquals("limits.image.max.side must be positive but was 0", e.getMessage());
  }

  @Test
  void memoryPatternMaxSizeDefaultsTo448AndIsConfigurable() {
    AppConfig d = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x"));
    assertEquals(448, d.model().memoryPatternMaxSize());
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "model.memory.pattern.max.size", "0"));
    assertEquals(0, c.model().memoryPatternMaxSize());
    var e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "model.memory.pattern.max.size", "-1")));
    assertEquals("model.memory.pattern.max.size must not be negative but was -1", e.getMessage());
  }

  private static AppConfig withUpsampleAnything(String key, String value) {
    return AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "model.upsampler", "upsample-anything", key, value));
  }

  @Test
  void upsampleAnythingSettingsDefaultToUpstreamsAndReachTheModelsLibrary() {
    AppConfig c = withUpsampleAnything("model.upsample.anything.steps", "20");
    assertEquals("upsample-anything", c.model().upsampler());
    var o = c.model().upsampleAnythingOptions();
    assertEquals(20, o.steps());
    assertEquals(0.1, o.learningRate());
    assertEquals(1e-9, o.finalLearningRate());
    assertEquals(5100, o.scheduleSteps());
    assertEquals(8, o.radius());
    assertEquals(dev.anyup.streams.models.UpsampleAnythingOptions.defaults(),
        AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x")).model()
            .upsampleAnythingOptions());
  }

  @Test
  void upsampleAnything_badSettingsAreRefusedNamingTheKey() {
    var steps = assertThrows(ConfigException.class,
        () -> withUpsampleAnything("model.upsample.anything.steps", "0"));
    assertEquals("model.upsample.anything.steps must be in 1..10000 but was 0", steps.getMessage());
    var rate = assertThrows(ConfigException.class,
        () -> withUpsampleAnything("model.upsample.anything.learning.rate", "-0.1"));
    assertEquals("model.upsample.anything.learning.rate must be positive but was -0.1", rate.getMessage());
    var radius = assertThrows(ConfigException.class,
        () -> withUpsampleAnything("model.upsample.anything.radius", "33"));
    assertTrue(radius.getMessage().startsWith("model.upsample.anything.radius must be in 1..32"), radius.getMessage());
    var notANumber = assertThrows(ConfigException.class,
        () -> withUpsampleAnything("model.upsample.anything.learning.rate", "fast"));
    assertEquals("model.upsample.anything.learning.rate must be a number but was 'fast'", notANumber.getMessage());
    var last = assertThrows(ConfigException.class,
        () -> withUpsampleAnything("model.upsample.anything.final.learning.rate", "0.5"));
    assertTrue(last.getMessage().startsWith("model.upsample.anything.final.learning.rate must be positive and at most"),
        last.getMessage());
  }

  @Test
  void scaledJpegDecodeIsOnByDefaultAndCanBeTurnedOff() {
    AppConfig d = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x"));
    assertTrue(d.model().jpegScaledDecode());
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "preprocess.jpeg.scaled.decode", "false"));
    assertFalse(c.model().jpegScaledDecode());
  }

  @Test
  void readsPropertiesFiles() throws IOException {
    Path f = write("app.properties", "bootstrap.servers=b:1\nschema.registry.url=mock://x\nhttp.port=9000\n");
    AppConfig c = ConfigLoader.load(f, Map.of());
    assertEquals(9000, c.httpPort());
  }

  @Test
  void environmentOverridesFileAndReachesPassThroughKeys() throws IOException {
    Path f = write("app.yaml", "bootstrap.servers: from-file:9092\nschema.registry.url: mock://x\n");
    AppConfig c = ConfigLoader.load(f, Map.of(
        "ANYUP_BOOTSTRAP_SERVERS", "from-env:9092",
        "ANYUP_MODEL_DEVICE", "cuda:1",
        "ANYUP_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required;",
        "ANYUP_CONFIG", "/ignored.yaml",
        "PATH", "/bin"));
    assertEquals("from-env:9092", c.bootstrapServers());
    assertEquals("cuda:1", c.model().device());
    assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required;",
        c.streamsProperties().get("sasl.jaas.config"));
  }

  @Test
  void passThroughPrefixesReachTheRightClients() {
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x",
        "kafka.security.protocol", "SASL_SSL", "streams.num.stream.threads", "4",
        "producer.compression.type", "zstd", "consumer.max.poll.records", "10", "admin.request.timeout.ms", "1",
        "schema.registry.basic.auth.user.info", "u:p"));
    Properties s = c.streamsProperties();
    assertEquals("SASL_SSL", s.get("security.protocol"));
    assertEquals("4", s.get("num.stream.threads"));
    assertEquals("zstd", s.get("producer.compression.type"));
    assertEquals("10", s.get("consumer.max.poll.records"));
    assertEquals("exactly_once_v2", s.get("processing.guarantee"));
    assertEquals("images.dlq", s.get("errors.dead.letter.queue.topic.name"));
    assertEquals(4, c.streamThreads());
    assertEquals("zstd", c.producerProperties().get("compression.type"));
    assertEquals("SASL_SSL", c.adminProperties().get("security.protocol"));
    assertEquals("1", c.adminProperties().get("request.timeout.ms"));
    assertEquals("u:p", c.serdeConfig().get("basic.auth.user.info"));
    assertEquals("mock://x", c.serdeConfig().get("schema.registry.url"));
  }

  @Test
  void toStringMasksSecrets() {
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "https://user:pw@registry", "kafka.sasl.jaas.config", "secret-jaas",
        "kafka.ssl.keystore.password", "ks-pass", "schema.registry.basic.auth.user.info", "u:secret-pw",
        "schema.registry.bearer.auth.token", "tok123"));
    String s = c.toString();
    for (String secret : new String[] {"secret-jaas", "ks-pass", "secret-pw", "tok123", "user:pw"}) {
      assertFalse(s.contains(secret), "toString leaks " + secret + ": " + s);
    }
    assertTrue(s.contains("kafka.sasl.jaas.config=[hidden]"), s);
  }

  @Test
  void toStringMasksSecretsByValueShapeAndUnderMistypedKeys() {
    // a mistyped key (jass) once logged the whole JAAS string: masking went by exact key name only
    String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" "
        + "password=\"jaas-pw-1\";";
    AppConfig c = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "http://r:1",
        "kafka.sasl.jass.config", jaas, "streams.main.consumer.sasl.jaas.config", jaas.replace("1", "2"),
        "producer.ssl.key.pasword", "key-pw-3", "kafka.client.note", "user=app password=inline-pw-4",
        "kafka.sasl.mechanism", "SCRAM-SHA-512", "kafka.security.protocol", "SASL_SSL"));
    String s = c.toString() + AppConfig.masked(c.streamsProperties());
    for (String secret : new String[] {"jaas-pw-1", "jaas-pw-2", "key-pw-3", "inline-pw-4", "ScramLoginModule"}) {
      assertFalse(s.contains(secret), "leaks " + secret + ": " + s);
    }
    assertTrue(s.contains("SCRAM-SHA-512") && s.contains("SASL_SSL"), "descriptive settings stay readable: " + s);
  }

  @Test
  void aYamlSyntaxErrorNearAPasswordDoesNotEchoTheLine() throws IOException {
    Path f = write("bad.yaml", "bootstrap.servers: b:1\nkafka.sasl.jaas.config: \"x password=\"yaml-pw-5\"\"\n"
        + "  : oops\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of()));
    String all = e.getMessage() + (e.getCause() == null ? "" : e.getCause().toString());
    assertFalse(all.contains("yaml-pw-5"), all);
    assertTrue(e.getMessage().contains("is not valid YAML at line"), e.getMessage());
  }

  @Test
  void rejectsUnknownKeysByName() {
    var e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "batch.max.sise", "3")));
    assertTrue(e.getMessage().contains("unknown configuration key 'batch.max.sise'"), e.getMessage());
  }

  @Test
  void rejectsBadValuesNamingKeyAndValue() {
    var e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "batch.max.size", "lots")));
    assertEquals("batch.max.size must be an integer but was 'lots'", e.getMessage());
    e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "batch.max.size", "0")));
    assertEquals("batch.max.size must be positive but was 0", e.getMessage());
    e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "model.device", "tpu")));
    assertEquals("model.device must be 'cpu' or 'cuda:N' but was 'tpu'", e.getMessage());
    e = assertThrows(ConfigException.class, () -> AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
        "schema.registry.url", "mock://x", "output.dense.dtype", "bfloat16")));
    assertEquals("output.dense.dtype must be FLOAT32, FLOAT16 or INT8 but was 'BFLOAT16'", e.getMessage());
  }

  private static dev.anyup.streams.models.OutputHead head(String... kv) {
    Map<String, String> m = new java.util.HashMap<>(Map.of("bootstrap.servers", "b:1", "schema.registry.url", "mock://x"));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return AppConfig.fromMap(m).output().head();
  }

  @Test
  void theDenseOutputsCastAndProjectionRunInTheGraphUnlessResizedOrTurnedOff() {
    assertEquals("cast to FLOAT16", head().toString(), "the default: FLOAT16 at the native size");
    assertFalse(head().keepUpsampled(), "nothing else needs the 32-bit map");
    assertTrue(head("output.regions.grid", "2").keepUpsampled(), "region embeddings pool the 32-bit map");
    assertEquals("projection pca8 + cast to FLOAT16", head("output.projection", "pca8").toString());
    assertEquals("projection pca8", head("output.projection", "pca8", "output.dense.dtype", "INT8").toString());
    assertFalse(head("output.dense.dtype", "INT8").active(), "INT8 is quantised in Java");
    assertFalse(head("output.dense.size", "112").active(), "a resized map is encoded in Java");
    assertFalse(head("output.dense.in.graph", "false").active());
    assertFalse(head("output.dense.enabled", "false").active());
  }

  @Test
  void requiresBootstrapServers() {
    var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of()));
    assertTrue(e.getMessage().contains("bootstrap.servers must be set"), e.getMessage());
  }

  @Test
  void missingFileIsNamed() {
    var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()));
    assertTrue(e.getMessage().contains("nope.yaml does not exist"), e.getMessage());
  }

  @Test
  void maxRequestSizeIsExplicitOnlyWhenTheUserSetIt() {
    AppConfig c = AppConfig.defaults("b:1", "mock://x");
    assertFalse(c.maxRequestSizeExplicit());
    assertEquals(1024 * 1024, c.maxRequestSize());
    AppConfig d = c.withPassThrough(Map.of("producer.max.request.size", "5000000"));
    assertTrue(d.maxRequestSizeExplicit());
    assertEquals(5_000_000, d.maxRequestSize());
    assertEquals("5000000", d.streamsProperties().get("producer.max.request.size"));
  }
}
