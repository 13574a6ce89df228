package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessFailure;
import dev.anyup.streams.serdes.SchemaRegistryAuthException;
import dev.anyup.streams.serdes.SchemaRegistryClient;
import dev.anyup.streams.serdes.SchemaRegistryConfig;
import dev.anyup.streams.serdes.SchemaRegistryException;
import dev.anyup.streams.serdes.SubjectNotFoundException;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup check of the two servers the app needs, before anything is created on either (topics, subjects): the
 * schema registry answers a read, and the broker accepts connections and answers a cluster description. Both are
 * checked at once; each unreachable one gets one line in the {@link StartupException}, within its own timeout:
 * the registry client's retries ({@code schema.registry.max.retries}, {@code .retries.wait.ms},
 * {@code .http.read.timeout.ms}) and the admin client's {@code default.api.timeout.ms} ({@value #BROKER_TIMEOUT_MS}
 * ms here unless {@code admin.default.api.timeout.ms} or {@code kafka.default.api.timeout.ms} says otherwise).
 *
 * <p>The broker is first probed with plain TCP connections to the bootstrap servers, retried once a second: a Kafka
 * client pointed at a closed port logs a warning on every reconnect attempt (65 lines in a minute), a socket
 * logs nothing. Only once a bootstrap server accepts connections does an admin client ask for the cluster, which
 * also checks TLS and SASL settings.
 */
final class DependencyCheck {
  /** The broker check's default timeout. */
  static final long BROKER_TIMEOUT_MS = 15_000;
  private static final Logger LOG = LoggerFactory.getLogger(DependencyCheck.class);
  private static final String PROBE_SUBJECT = "anyup-streams-startup-check";

  private DependencyCheck() {}

  /** Throws a {@link StartupException} with one line per unreachable server; returns when both answer. */
  static void requireReachable(AppConfig cfg) {
    long started = System.nanoTime();
    CompletableFuture<Optional<String>> registry = CompletableFuture.supplyAsync(() -> registryProblem(cfg));
    Optional<String> broker = brokerProblem(cfg);
    List<String> problems = new ArrayList<>();
    registry.join().ifPresent(problems::add);
    broker.ifPresent(problems::add);
    if (!problems.isEmpty()) {
      throw new StartupException(String.join("\n", problems));
    }
    LOG.info("broker {} and schema registry {} reachable ({} ms)", cfg.bootstrapServers(),
        cfg.schemaRegistryUrl().replaceAll("//[^/@]+@", "//[hidden]@"),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /** Why the registry cannot be used, or empty: a read of a subject that need not exist must be answered. */
  static Optional<String> registryProblem(AppConfig cfg) {
    SchemaRegistryConfig rc;
    try {
      rc = SchemaRegistryConfig.fromMap(cfg.serdeConfig());
    } catch (RuntimeException e) {
      return Optional.of("schema registry: invalid settings: " + e.getMessage());
    }
    if (rc.mockScope() != null) {
      return Optional.empty();
    }
    return registryProblem(SchemaRegistryClient.create(rc), rc.urls().toString());
  }

  /** Why the registry behind {@code client} cannot be used, or empty (also the running app's outage probe). */
  static Optional<String> registryProblem(SchemaRegistryClient client, String urls) {
    try {
      client.latest(PROBE_SUBJECT);
      return Optional.empty();
    } catch (SubjectNotFoundException expected) {
      return Optional.empty();
    } catch (SchemaRegistryAuthException e) {
      return Optional.of("schema registry " + urls + " refuses the credentials (schema.registry.basic.auth.*"
          + " / bearer.auth.*): " + e.getMessage());
    } catch (SchemaRegistryException e) {
      return Optional.of("schema registry " + urls + " (schema.registry.url) is unreachable or failing: "
          + e.getMessage());
    }
  }

  /** Why the broker cannot be used, or empty. */
  static Optional<String> brokerProblem(AppConfig cfg) {
    Properties props = cfg.adminProperties();
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(BROKER_TIMEOUT_MS));
    long timeoutMs = Long.parseLong(props.get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG).toString().trim());
    props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeoutMs, 30_000)));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    List<String> errors = new ArrayList<>();
    while (true) {
      errors.clear();
      if (anyAccepts(cfg.bootstrapServers(), errors)) {
        break;
      }
      if (System.nanoTime() > deadline) {
        return Optional.of("broker unreachable: none of bootstrap.servers accepted a connection within " + timeoutMs
            + " ms (admin.default.api.timeout.ms): " + String.join("; ", errors));
      }
      try {
        Thread.sleep(1000); // retry the TCP probe once a second until the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted while checking the broker");
      }
    }
    long left = Math.max(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    try (Admin admin = Admin.create(props)) {
      admin.describeCluster().nodes().get(left, TimeUnit.MILLISECONDS);
      return Optional.empty();
    } catch (ExecutionException e) {
      // rejected credentials and an untrusted certificate are named as such; only the rest is a protocol mismatch
      Optional<AccessFailure> denied = AccessFailure.of(e.getCause(), AnyupApp.access(cfg, props));
      if (denied.isPresent()) {
        return Optional.of("broker " + cfg.bootstrapServers() + ": " + denied.get().message());
      }
      return Optional.of("broker " + cfg.bootstrapServers() + " accepts connections but does not answer as Kafka "
          + "(check security.protocol, SASL/TLS under kafka.*): " + AccessFailure.rootMessage(e.getCause()));
    } catch (TimeoutException e) {
      return Optional.of("broker " + cfg.bootstrapServers() + " accepts connections but did not describe the cluster "
          + "within " + timeoutMs + " ms (check security.protocol, SASL/TLS under kafka.*, advertised listeners)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while checking the broker");
    } catch (RuntimeException e) {
      // "Failed to create new KafkaAdminClient" alone does not say which file or password is wrong: keep the cause
      return Optional.of("broker: invalid client settings: " + AccessFailure.rootMessage(e));
    }
  }

  /**
   * Why the running app's broker cannot be used, or empty: {@code admin} must describe the cluster within
   * {@code timeout} (the running app's outage probe; the admin client's reconnect warnings are off in logback.xml).
   */
  static Optional<String> brokerProblem(Admin admin, Duration timeout) {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).clusterId()
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.of(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
          ? "no answer to a cluster description within " + timeout.toMillis() + " ms"
          : AccessFailure.rootMessage(e.getCause()));
    } catch (TimeoutException e) {
      return Optional.of("no answer to a cluster description within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static boolean anyAccepts(String bootstrapServers, List<String> errors) {
    for (String server : bootstrapServers.split(",")) {
      String s = server.trim();
      int colon = s.lastIndexOf(':');
      if (s.isEmpty() || colon <= 0) {
        errors.add("'" + s + "' is not host:port");
        continue;
      }
      String host = s.substring(0, colon).replaceAll("^\\[|]$", "").replaceAll("^[A-Za-z_]+://", "");
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1))), 2000);
        return true;
      } catch (IOException | IllegalArgumentException e) {
        errors.add(s + ": " + e.getMessage());
      }
    }
    return false;
  }
}
