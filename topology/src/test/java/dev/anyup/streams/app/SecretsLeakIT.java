package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.topology.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known secret values fed to {@code run} through its config file (a JAAS line, the same under a mistyped key, registry
 * credentials, a credential-shaped value under an unknown client key) and the environment (a keystore password) must
 * appear nowhere the app writes: its whole stdout/stderr from start to SIGTERM, {@code /metrics}, {@code /ready},
 * {@code /health} and the console's pages. The cluster is plaintext, so the SASL/SSL settings are carried but unused.
 * A YAML syntax error next to a password must not echo it either.
 */
@ExtendWith(SharedStack.class)
class SecretsLeakIT {
  private static final List<String> SECRETS = List.of("jaas-secret-A1", "typo-secret-B2", "reg-secret-C3",
      "env-secret-D4", "inline-secret-E5");

  @TempDir Path dir;

  @Test
  void noSecretFromFileOrEnvironmentReachesTheLogsOrAnyHttpAnswer() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "secrets-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    int httpPort = ItSupport.freePort();
    int consolePort = ItSupport.freePort();
    Path config = Files.writeString(dir.resolve("app.yaml"), String.join("\n",
        "application.id: " + prefix + "app",
        "bootstrap.servers: " + stack.bootstrapServers(),
        "schema.registry.url: " + stack.schemaRegistryUrl(),
        "topics.input: " + prefix + "images",
        "topics.dense: " + prefix + "dense",
        "topics.embeddings: " + prefix + "embeddings",
        "topics.dlq: " + prefix + "dlq",
        "topics.partitions: 1",
        "http.port: " + httpPort,
        "console.enabled: true",
        "console.port: " + consolePort,
        "kafka.sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username=\"app\" "
            + "password=\"jaas-secret-A1\";'",
        "kafka.sasl.jass.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" "
            + "password=\"typo-secret-B2\";'",
        "schema.registry.basic.auth.credentials.source: USER_INFO",
        "schema.registry.basic.auth.user.info: 'registry-user:reg-secret-C3'",
        "kafka.client.note: 'user=app password=inline-secret-E5'",
        ""));
    Path log = dir.resolve("run.log");
    Process app = ItSupport.startApp(config, log, "-Xmx512m",
        java.util.Map.of("ANYUP_KAFKA_SSL_KEYSTORE_PASSWORD", "env-secret-D4"));
    List<String> answers = new ArrayList<>();
    try {
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> !app.isAlive() || status(httpPort, "/ready") == 200);
      assertTrue(app.isAlive(), () -> "the app died: " + ItSupport.tail(log));
      for (String path : List.of("/metrics", "/ready", "/health")) {
        answers.add(path + " " + ItSupport.httpBody(httpPort, path));
      }
      for (String path : List.of("/", "/api/status", "/api/recent", "/api/metrics")) {
        answers.add("console " + path + " " + ItSupport.httpBody(consolePort, path));
      }
    } finally {
      app.destroy(); // SIGTERM: the shutdown's log lines count too
      if (!app.waitFor(60, TimeUnit.SECONDS)) {
        app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(output.contains("starting"), "the app logged its start: " + ItSupport.tail(log));
    for (String secret : SECRETS) {
      assertFalse(output.contains(secret), "the app's output holds " + secret + ":\n" + lineWith(output, secret));
      for (String a : answers) {
        assertFalse(a.contains(secret), "an HTTP answer holds " + secret + ": " + lineWith(a, secret));
      }
    }
    assertTrue(answers.get(0).contains("anyup_"), "the metrics were read: " + answers.get(0).length() + " chars");
  }

  @Test
  void aYamlSyntaxErrorNextToAPasswordIsReportedWithoutTheLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "bootstrap.servers: b:1\n"
        + "kafka.sasl.jaas.config: \"x password=\"yaml-secret-F6\"\"\n  : oops\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      code = Main.execute("run", "--config", bad.toString());
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
    }
    String printed = err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, printed);
    assertTrue(printed.contains("is not valid YAML at line"), printed);
    assertFalse(printed.contains("yaml-secret-F6"), printed);
  }

  @Test
  void noSecretFromACommandConfigFileReachesTheCliOutput() throws Exception {
    LocalStack stack = SharedStack.stack();
    String topic = "secrets-cli-" + UUID.randomUUID().toString().substring(0, 8) + ".images";
    stack.kafka().createTopic(topic, 1, java.util.Map.of());
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.write(images.resolve("a.png"), TestImages.pattern(40, 30, 1, "png"));
    Path client = Files.writeString(dir.resolve("client.properties"), String.join("\n",
        "bootstrap.servers=" + stack.bootstrapServers(), "schema.registry.url=" + stack.schemaRegistryUrl(),
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"cli\" "
            + "password=\"flag-secret-G7\";",
        "ssl.truststore.password=flag-secret-H8", ""));
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    int produced;
    int inspected;
    System.setErr(new PrintStream(all, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(all, true, StandardCharsets.UTF_8));
    try {
      produced = Main.execute("produce", "--command-config", client.toString(), "--topic", topic, images.toString());
      inspected = Main.execute("inspect", "--command-config", client.toString(), "--topic", topic, "--kind", "dlq",
          "--max", "1", "--idle-ms", "3000");
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
    }
    String printed = all.toString(StandardCharsets.UTF_8);
    assertEquals(0, produced, printed);
    assertEquals(0, inspected, printed);
    for (String secret : List.of("flag-secret-G7", "flag-secret-H8")) {
      assertFalse(printed.contains(secret), lineWith(printed, secret));
    }
  }

  private static int status(int port, String path) {
    try {
      return ItSupport.httpGet(port, path);
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String lineWith(String text, String secret) {
    return text.lines().filter(l -> l.contains(secret)).findFirst().orElse("");
  }
}
