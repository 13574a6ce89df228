package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/secured-clusters.md: its SASL_SSL app.yaml loads as documented, and its ACLs name what the app uses. */
class SecuredClustersGuideTest {
  private static final Path GUIDE = Path.of("..", "docs", "secured-clusters.md");

  private static String guide() throws Exception {
    return Files.readString(GUIDE);
  }

  private static AppConfig example(Path dir) throws Exception {
    Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(guide());
    assertTrue(m.find(), "the guide has an app.yaml example");
    Path yaml = dir.resolve("app.yaml");
    Files.writeString(yaml, m.group(1));
    return ConfigLoader.load(yaml, Map.of());
  }

  @Test
  void theSaslSslExampleReachesEveryClientAndItsSecretsNeverReachTheLog(@TempDir Path dir) throws Exception {
    AppConfig cfg = example(dir);
    for (Properties p : List.of(cfg.streamsProperties(), cfg.adminProperties(), cfg.producerProperties(),
        cfg.consumerProperties())) {
      assertEquals("SASL_SSL", p.get("security.protocol"));
      assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
      assertTrue(p.get("sasl.jaas.config").toString().contains("username=\"anyup\" password=\"change-me\""));
      assertEquals("/etc/anyup/truststore.p12", p.get("ssl.truststore.location"));
    }
    assertEquals(Path.of("/var/lib/anyup/tmp"), cfg.tempDir());
    assertFalse(cfg.streamsProperties().containsKey("app.temp.dir"), "not a client setting");
    String logged = cfg + " " + AppConfig.masked(cfg.streamsProperties());
    for (String secret : List.of("change-me", "change-me-too", "registry-secret")) {
      assertFalse(logged.contains(secret), secret + " in " + logged);
    }
    assertEquals("User:anyup", AnyupApp.access(cfg, cfg.streamsProperties()).principal().orElseThrow());
  }

  @Test
  void theRunAclsNameTheExamplesTopicsGroupAndTransactionalIds(@TempDir Path dir) throws Exception {
    AppConfig cfg = example(dir);
    String g = guide();
    String run = g.substring(g.indexOf("**`run`"), g.indexOf("**`serve`**"));
    assertTrue(run.contains("--operation READ --operation DESCRIBE --operation DESCRIBE_CONFIGS --topic "
        + cfg.topics().input()), "READ on the input");
    assertTrue(run.contains("for t in " + cfg.topics().dense() + " " + cfg.topics().embeddings() + " "
        + cfg.topics().dlq() + "; do") && run.contains("--operation WRITE"), "WRITE on every output");
    assertTrue(run.contains("--group " + cfg.applicationId()), "the group is the application id");
    assertTrue(run.contains("--transactional-id " + cfg.applicationId() + " --resource-pattern-type prefixed"));
    String serve = g.substring(g.indexOf("**`serve`**"), g.indexOf("**`produce`**"));
    assertTrue(serve.contains("--group " + cfg.applicationId() + "-retrieval")
        && serve.contains("--topic " + cfg.topics().embeddings()), "serve's group and topic");
  }
}
