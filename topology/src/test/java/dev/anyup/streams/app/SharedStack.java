package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.app.local.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalStack} (real broker in-process, real Apicurio registry as a child process) per test JVM, shared by
 * every integration test class that uses this extension and closed with the root JUnit context. Tests isolate
 * themselves with their own topic names and application ids.
 *
 * <p>For experiments (RELIABILITY.md), {@code -Dit.broker.config=KEY=VALUE[,KEY=VALUE...]} sets broker properties on
 * the shared broker, e.g. {@code transaction.abort.timed.out.transaction.cleanup.interval.ms=1000}; unset, the broker
 * has Kafka's defaults.
 */
public final class SharedStack implements BeforeAllCallback {
  private static final Object LOCK = new Object();
  private static LocalStack stack;

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (LOCK) {
      if (stack == null) {
        stack = brokerConfig().isEmpty() ? LocalStack.start() : startWith(brokerConfig());
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(SharedStack.class, stack);
      }
    }
  }

  private static String brokerConfig() {
    return System.getProperty("it.broker.config", "").strip();
  }

  private static LocalStack startWith(String config) {
    LocalKafkaCluster.Builder kafka = LocalKafkaCluster.builder();
    for (String kv : config.split(",")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("it.broker.config expects KEY=VALUE[,KEY=VALUE...] but had '" + kv + "'");
      }
      kafka.optBrokerConfig(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
    }
    LocalStack started;
    try {
      started = LocalStack.start(Files.createTempDirectory("anyup-stack-"), kafka);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a working directory for the shared stack", e);
    }
    // print what the broker reports, not what was asked: the experiment's figures depend on it
    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
    try (Admin admin = Admin.create(started.kafka().clientConfig())) {
      Config effective = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
      for (String kv : config.split(",")) {
        String key = kv.substring(0, kv.indexOf('=')).strip();
        ConfigEntry entry = effective.get(key);
        System.out.println("SharedStack: broker " + key + " = " + (entry == null ? "(unknown key)" : entry.value()));
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not read the shared broker's configuration back", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return started;
  }

  /** The shared stack; the extension must be registered on the test class. */
  static LocalStack stack() {
    synchronized (LOCK) {
      if (stack == null) {
        throw new IllegalStateException("SharedStack extension not registered on this test class");
      }
      return stack;
    }
  }
}
