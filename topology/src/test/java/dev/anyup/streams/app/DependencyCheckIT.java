package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.topology.AppConfig;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10: with the registry unreachable the app created topics before failing after 12 s; with the broker
 * unreachable it failed after 64 s behind 65 repeated connection warnings. Now both are checked first, and each
 * unreachable one is one line of the startup error, within its configured timeout.
 */
@ExtendWith(SharedStack.class)
class DependencyCheckIT {

  @Test
  void unreachableRegistryFailsTheStartWithOneLineBeforeAnyTopicIsCreated() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "deps-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    int closed = ItSupport.freePort();
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("schema.registry.url", "http://127.0.0.1:" + closed,
        "schema.registry.max.retries", "1", "schema.registry.retries.wait.ms", "100"));
    StartupException e = assertThrows(StartupException.class, () -> AnyupApp.start(cfg));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith("schema registry [http://127.0.0.1:" + closed + "] (schema.registry.url) is "
        + "unreachable"), e.getMessage());
    Properties admin = new Properties();
    admin.put("bootstrap.servers", stack.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      Set<String> topics = a.listTopics().names().get();
      assertTrue(topics.stream().noneMatch(t -> t.startsWith(prefix)), "no topic created: " + topics);
    }
  }

  @Test
  void unreachableBrokerAndRegistryEachGetOneLineWithinTheConfiguredTimeout() {
    LocalStack stack = SharedStack.stack();
    int brokerPort = freePortOrFail();
    int registryPort = freePortOrFail();
    AppConfig cfg = ItSupport.config(stack, "deps-none.", Map.of("bootstrap.servers", "127.0.0.1:" + brokerPort,
        "schema.registry.url", "http://127.0.0.1:" + registryPort, "schema.registry.max.retries", "0",
        "admin.default.api.timeout.ms", "2000"));
    StartupException e = assertThrows(StartupException.class, () -> AnyupApp.start(cfg));
    var lines = e.getMessage().lines().toList();
    assertEquals(2, lines.size(), e.getMessage());
    assertTrue(lines.get(0).startsWith("schema registry"), e.getMessage());
    assertTrue(lines.get(1).startsWith("broker unreachable: none of bootstrap.servers accepted a connection within "
        + "2000 ms (admin.default.api.timeout.ms): 127.0.0.1:" + brokerPort + ": Connection refused"), lines.get(1));
  }

  private static int freePortOrFail() {
    try {
      return ItSupport.freePort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
