package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 26: a TLS setting that is wrong was reported as "Failed to create new KafkaAdminClient", the cause lost. */
class DependencyCheckTest {
  @Test
  void aMissingTruststoreIsNamedInOneLineWithItsPath() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:" + listening.getLocalPort(),
          "schema.registry.url", "mock://deps", "kafka.security.protocol", "SASL_SSL",
          "kafka.sasl.mechanism", "SCRAM-SHA-512",
          "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
              + "username=\"anyup\" password=\"never-printed\";",
          "kafka.ssl.truststore.location", "/nonexistent/anyup-truststore.p12",
          "kafka.ssl.truststore.password", "also-never-printed"));
      String problem = DependencyCheck.brokerProblem(cfg).orElseThrow();
      assertEquals(1, problem.lines().count(), problem);
      assertTrue(problem.startsWith("broker: invalid client settings: Failed to create new KafkaAdminClient: "),
          problem);
      assertTrue(problem.contains("/nonexistent/anyup-truststore.p12"), "the root cause names the file: " + problem);
      assertTrue(!problem.contains("never-printed"), problem);
    }
  }
}
