package dev.anyup.streams.app;

import static dev.anyup.streams.app.SecuredBroker.allow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;
import static org.apache.kafka.common.resource.PatternType.LITERAL;
import static org.apache.kafka.common.resource.PatternType.PREFIXED;
import static org.apache.kafka.common.resource.ResourceType.GROUP;
import static org.apache.kafka.common.resource.ResourceType.TOPIC;
import static org.apache.kafka.common.resource.ResourceType.TRANSACTIONAL_ID;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26, on a real KRaft broker with SASL_SSL + SCRAM-SHA-512 and the StandardAuthorizer (deny by default): the ACLs
 * of docs/secured-clusters.md are enough for {@code produce}, {@code inspect} and {@code run}, and removing each one in
 * turn is a clean, named failure within 30 s (exit code and message asserted), never a silent success and never a
 * thread-replacement loop. One broker for the whole class; the schema registry is the shared stack's.
 */
@ExtendWith(SharedStack.class)
class SecuredClusterIT {
  private static final String PREFIX = "sec.";
  private static final String INPUT = PREFIX + "images";
  private static final String APP = PREFIX + "app";
  private static SecuredBroker broker;
  @TempDir
  static Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    long started = System.nanoTime();
    broker = SecuredBroker.start(Files.createDirectories(dir.resolve("broker")));
    for (String user : List.of("anyup", "producer", "reader")) {
      broker.addUser(user, user + "-pw");
    }
    for (String t : List.of("images", "dense", "embeddings", "dlq")) {
      broker.createTopic(PREFIX + t, 1);
    }
    System.out.printf("SecuredClusterIT: broker with SASL_SSL, SCRAM-SHA-512 and the StandardAuthorizer up in %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Path commandConfig(String user) throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("bootstrap.servers=" + broker.bootstrapServers());
    lines.add("schema.registry.url=" + SharedStack.stack().schemaRegistryUrl());
    broker.client(user, user + "-pw").forEach((k, v) -> lines.add(k + "=" + v.replace("\\", "\\\\")));
    return Files.write(dir.resolve(user + ".properties"), lines);
  }

  private record Outcome(int code, String err, long millis) {}

  private static Outcome cli(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    long started = System.nanoTime();
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = Main.execute(args);
    } finally {
      System.setErr(before);
    }
    return new Outcome(code, err.toString(StandardCharsets.UTF_8),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static Path images(String name, int n) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    for (int i = 0; i < n; i++) {
      Files.write(d.resolve(name + "-" + i + ".png"), TestImages.pattern(64, 48, i, "png"));
    }
    return d;
  }

  private static long endOffset(String topic) throws Exception {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.internalBootstrapServers(),
        "key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
        "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
        "isolation.level", "read_committed"))) {
      TopicPartition tp = new TopicPartition(topic, 0);
      return c.endOffsets(List.of(tp)).get(tp);
    }
  }

  @Test
  void produceAndInspectNeedExactlyTheDocumentedAclsAndNameTheOneMissing() throws Exception {
    Path producer = commandConfig("producer");
    Path reader = commandConfig("reader");
    List<AclBinding> produceAcls = List.of(allow("producer", TOPIC, INPUT, LITERAL, WRITE),
        allow("producer", TOPIC, INPUT, LITERAL, DESCRIBE));
    List<AclBinding> inspectAcls = List.of(allow("reader", TOPIC, INPUT, LITERAL, READ),
        allow("reader", TOPIC, INPUT, LITERAL, DESCRIBE), allow("reader", GROUP, "anyup-inspect-", PREFIXED, READ));
    broker.addAcls(produceAcls);
    broker.addAcls(inspectAcls);
    Path two = images("cli", 2);
    long before = endOffset(INPUT);
    Outcome ok = cli("produce", "--command-config", producer.toString(), "--topic", INPUT, two.toString());
    assertEquals(0, ok.code(), ok.err());
    assertEquals(before + 2, endOffset(INPUT), "both acknowledged and on the topic");
    Outcome read = cli("inspect", "--command-config", reader.toString(), "--topic", INPUT, "--kind", "dlq",
        "--max", "1", "--idle-ms", "3000");
    assertEquals(0, read.code(), read.err());

    broker.removeAcls(List.of(produceAcls.get(0)));
    Outcome noWrite = cli("produce", "--command-config", producer.toString(), "--topic", INPUT, two.toString());
    report("produce without WRITE on " + INPUT, noWrite);
    assertEquals(1, noWrite.code(), noWrite.err());
    assertTrue(noWrite.err().contains("acknowledged 0 of 2 images") && noWrite.err().contains(INPUT)
        && noWrite.err().contains("2 failed") && noWrite.err().contains("AuthorizationException"), noWrite.err());
    assertEquals(before + 2, endOffset(INPUT), "nothing written, as the summary says");
    assertTrue(noWrite.millis() < 30_000, "within 30 s: " + noWrite.millis());
    broker.addAcls(List.of(produceAcls.get(0)));

    for (AclBinding missing : inspectAcls.subList(0, 3)) {
      if (missing.pattern().resourceType() == TOPIC && missing.entry().operation() == DESCRIBE) {
        continue; // READ implies DESCRIBE: removing DESCRIBE alone changes nothing
      }
      broker.removeAcls(List.of(missing));
      Outcome denied = cli("inspect", "--command-config", reader.toString(), "--topic", INPUT, "--kind", "dlq",
          "--max", "1", "--idle-ms", "3000");
      report("inspect without " + missing.entry().operation() + " on " + missing.pattern().name(), denied);
      assertEquals(2, denied.code(), denied.err());
      assertTrue(denied.err().startsWith("error: not authorized: User:reader") && denied.err().contains(
          missing.pattern().resourceType() == GROUP ? "--group anyup-inspect- --resource-pattern-type prefixed"
              : "--operation READ --operation DESCRIBE --topic " + INPUT), denied.err());
      assertFalse(denied.err().contains("\tat "), "no stack trace: " + denied.err());
      assertTrue(denied.millis() < 30_000, "within 30 s: " + denied.millis());
      broker.addAcls(List.of(missing));
    }
  }

  @Test
  void aWrongPasswordIsNamedAnAuthenticationFailureNotAProtocolMismatch() throws Exception {
    Path wrong = commandConfig("reader");
    Files.writeString(wrong, Files.readString(wrong).replace("password=\"reader-pw\"", "password=\"not-it\""));
    Outcome o = cli("inspect", "--command-config", wrong.toString(), "--topic", INPUT, "--kind", "dlq", "--max",
        "1", "--idle-ms", "3000");
    report("inspect with a wrong password", o);
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().startsWith("error: authentication failed: the broker rejected the SASL credentials of "
        + "User:reader"), o.err());
    assertFalse(o.err().contains("not-it") || o.err().contains("\tat "), o.err());
    Map<String, String> extra = new HashMap<>();
    runConfig().passThrough().forEach(extra::put);
    extra.put("kafka.sasl.jaas.config", extra.get("kafka.sasl.jaas.config").replace("anyup-pw", "not-it"));
    AppConfig cfg = ItSupport.config(SharedStack.stack(), PREFIX, Map.of());
    Map<String, String> all = new HashMap<>(extra);
    all.put("bootstrap.servers", broker.bootstrapServers());
    all.put("application.id", APP);
    all.put("schema.registry.url", cfg.schemaRegistryUrl());
    long started = System.nanoTime();
    StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
        () -> AnyupApp.start(AppConfig.fromMap(all)));
    System.out.printf("SecuredClusterIT: run with a wrong password: start-up error after %d ms: %s%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), e.getMessage());
    assertTrue(e.getMessage().startsWith("broker " + broker.bootstrapServers() + ": authentication failed: the "
        + "broker rejected the SASL credentials of User:anyup"), e.getMessage());
    assertFalse(e.getMessage().contains("not-it"), e.getMessage());
  }

  @Test
  void serveRunsWithTheDocumentedAclsAndWithoutReadOnTheEmbeddingsAnswers503WithTheReason() throws Exception {
    String serveApp = APP + "-retrieval";
    broker.addUser("serve", "serve-pw");
    List<AclBinding> acls = List.of(allow("serve", TOPIC, PREFIX + "embeddings", LITERAL, READ),
        allow("serve", TOPIC, PREFIX + "embeddings", LITERAL, DESCRIBE),
        allow("serve", GROUP, serveApp, LITERAL, READ), allow("serve", GROUP, serveApp, LITERAL, DESCRIBE),
        allow("serve", TOPIC, serveApp + "-", PREFIXED, org.apache.kafka.common.acl.AclOperation.ALL));
    broker.addAcls(acls);
    Map<String, String> extra = new HashMap<>();
    extra.put("bootstrap.servers", broker.bootstrapServers());
    broker.client("serve", "serve-pw").forEach((k, v) -> extra.put("kafka." + k, v));
    AppConfig cfg = ItSupport.config(SharedStack.stack(), PREFIX, extra);
    dev.anyup.streams.retrieval.RetrievalService.Settings settings = new dev.anyup.streams.retrieval.RetrievalService
        .Settings(serveApp, "127.0.0.1", 0, null, Duration.ofSeconds(2));
    try (var serve = dev.anyup.streams.retrieval.RetrievalService.start(cfg, settings)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ItSupport.httpGet(serve.port(), "/ready") != 200 && System.nanoTime() < deadline) {
        Thread.sleep(200); // readiness is polled over HTTP: nothing to await on in-process
      }
      assertEquals(200, ItSupport.httpGet(serve.port(), "/ready"), "ready with the documented ACLs");
      assertEquals(200, ItSupport.httpGet(serve.port(), "/health"));
    }
    broker.removeAcls(List.of(acls.get(0)));
    try (var serve = dev.anyup.streams.retrieval.RetrievalService.start(cfg, settings)) {
      long started = System.nanoTime();
      long deadline = started + TimeUnit.SECONDS.toNanos(30);
      while (ItSupport.httpGet(serve.port(), "/health") == 200 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      String health = ItSupport.httpBody(serve.port(), "/health");
      System.out.printf("SecuredClusterIT: serve without READ on %s: /health 503 after %d ms: %s", PREFIX
          + "embeddings", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), health);
      assertEquals(503, ItSupport.httpGet(serve.port(), "/health"), health);
      assertTrue(health.contains("User:serve") && health.contains("--operation READ --operation DESCRIBE --topic "
          + PREFIX + "embeddings"), health);
      assertEquals(503, ItSupport.httpGet(serve.port(), "/api/similar?image=x&k=3"));
    } finally {
      broker.addAcls(List.of(acls.get(0)));
    }
  }

  @Test
  void anUntrustedCertificateAndAMissingTruststoreAreNamedInOneLineWithoutAStackTrace() throws Exception {
    Path reader = commandConfig("reader");
    Path other = dir.resolve("other.p12");
    Process kt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname",
        "CN=other", "-storetype", "PKCS12", "-keystore", other.toString(), "-storepass", "trust-pw-it", "-keypass",
        "trust-pw-it").redirectErrorStream(true).start();
    kt.getInputStream().readAllBytes();
    assertEquals(0, kt.waitFor());
    String props = Files.readString(reader);
    String truststore = broker.client("reader", "x").get("ssl.truststore.location");
    Path untrusted = Files.writeString(dir.resolve("untrusted.properties"), props.replace(truststore,
        other.toString()));
    Path missing = Files.writeString(dir.resolve("missing.properties"), props.replace(truststore,
        dir.resolve("no-such-truststore.p12").toString()));
    Outcome u = cli("inspect", "--command-config", untrusted.toString(), "--topic", INPUT, "--kind", "dlq", "--max",
        "1", "--idle-ms", "3000");
    report("inspect with a truststore that does not trust the broker", u);
    assertEquals(2, u.code(), u.err());
    assertTrue(u.err().startsWith("error: authentication failed: the TLS handshake with"), u.err());
    Outcome m = cli("inspect", "--command-config", missing.toString(), "--topic", INPUT, "--kind", "dlq", "--max",
        "1", "--idle-ms", "3000");
    report("inspect with a missing truststore", m);
    assertEquals(2, m.code(), m.err());
    assertTrue(m.err().contains("no-such-truststore.p12"), m.err());
    for (Outcome o : List.of(u, m)) {
      assertFalse(o.err().contains("\tat ") || o.err().contains("trust-pw-it"), o.err());
      assertEquals(1, o.err().strip().lines().count(), o.err());
    }
  }

  private static void report(String what, Outcome o) {
    System.out.printf("SecuredClusterIT: %s: exit %d after %d ms: %s%n", what, o.code(), o.millis(),
        o.err().strip().lines().findFirst().orElse(""));
  }

  private static List<AclBinding> runAcls() {
    List<AclBinding> acls = new ArrayList<>();
    acls.add(allow("anyup", TOPIC, INPUT, LITERAL, READ));
    acls.add(allow("anyup", TOPIC, INPUT, LITERAL, DESCRIBE));
    acls.add(allow("anyup", TOPIC, INPUT, LITERAL, DESCRIBE_CONFIGS));
    for (String t : List.of("dense", "embeddings", "dlq")) {
      acls.add(allow("anyup", TOPIC, PREFIX + t, LITERAL, WRITE));
      acls.add(allow("anyup", TOPIC, PREFIX + t, LITERAL, DESCRIBE));
      acls.add(allow("anyup", TOPIC, PREFIX + t, LITERAL, DESCRIBE_CONFIGS));
    }
    acls.add(allow("anyup", GROUP, APP, LITERAL, READ));
    acls.add(allow("anyup", GROUP, APP, LITERAL, DESCRIBE));
    acls.add(allow("anyup", TRANSACTIONAL_ID, APP, PREFIXED, WRITE));
    acls.add(allow("anyup", TRANSACTIONAL_ID, APP, PREFIXED, DESCRIBE));
    acls.add(allow("anyup", TOPIC, APP + "-", PREFIXED, org.apache.kafka.common.acl.AclOperation.ALL));
    return acls;
  }

  private static AppConfig runConfig() {
    LocalStack stack = SharedStack.stack();
    Map<String, String> extra = new HashMap<>();
    extra.put("bootstrap.servers", broker.bootstrapServers());
    extra.put("topics.partitions", "1");
    extra.put("streams.num.stream.threads", "1");
    extra.put("app.temp.dir", dir.resolve("app-tmp").toString());
    broker.client("anyup", "anyup-pw").forEach((k, v) -> extra.put("kafka." + k, v));
    return ItSupport.config(stack, PREFIX, extra);
  }

  @Test
  void runWorksWithTheDocumentedAclsAndStopsWithCode78NamingEachMissingOne() throws Exception {
    List<AclBinding> acls = runAcls();
    broker.addAcls(acls);
    broker.addAcls(List.of(allow("producer", TOPIC, INPUT, LITERAL, WRITE),
        allow("producer", TOPIC, INPUT, LITERAL, DESCRIBE)));
    Path producer = commandConfig("producer");
    long dense = endOffset(PREFIX + "dense");
    try (AnyupApp app = AnyupApp.start(runConfig())) {
      Outcome published = cli("produce", "--command-config", producer.toString(), "--topic", INPUT,
          images("run-ok", 2).toString());
      assertEquals(0, published.code(), published.err());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (endOffset(PREFIX + "dense") < dense + 2 && System.nanoTime() < deadline) {
        Thread.sleep(200); // committed output is read from the broker: nothing to await on here
      }
      assertTrue(endOffset(PREFIX + "dense") >= dense + 2, "the images were processed with the documented ACLs");
      assertEquals(200, ItSupport.httpGet(app.httpPort(), "/health"));
      assertEquals(0, app.streamThreadReplacements());
    }
    // each ACL the stream threads use, removed in turn (WRITE on the dense topic needs an input to write)
    record Case(String name, AclBinding acl, String hint) {}
    List<Case> cases = List.of(
        new Case("WRITE on the transactional ids", acls.get(acls.size() - 3), "--transactional-id " + APP),
        new Case("READ on the group", acls.get(acls.size() - 5), "--group " + APP),
        new Case("READ on the input", acls.get(0), "--operation READ --operation DESCRIBE --topic " + INPUT),
        new Case("WRITE on the dense topic", acls.get(3), "--operation WRITE --operation DESCRIBE --topic "
            + PREFIX + "dense"));
    int n = 0;
    for (Case c : cases) {
      broker.removeAcls(List.of(c.acl()));
      long started = System.nanoTime();
      try (AnyupApp app = AnyupApp.start(runConfig())) {
        started = System.nanoTime();
        cli("produce", "--command-config", producer.toString(), "--topic", INPUT,
            images("run-" + n++, 1).toString());
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
          try {
            return app.awaitExit();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
          }
        });
        int code = exit.get(30, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("SecuredClusterIT: run without %s: exit %d after %d ms: %s%n", c.name(), code, ms,
            app.stoppedBecause());
        assertEquals(StreamThreadWatch.ACCESS_EXIT_CODE, code);
        assertTrue(app.stoppedBecause().contains("User:anyup") && app.stoppedBecause().contains(c.hint()),
            app.stoppedBecause());
        assertEquals(0, app.streamThreadReplacements(), "no thread replacement loop");
        assertEquals(503, ItSupport.httpGet(app.httpPort(), "/health"));
      }
      broker.addAcls(List.of(c.acl()));
    }
  }
}
