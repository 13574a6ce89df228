package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.app.local.LocalStack;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code local}: the broker and registry that {@code demo} and the tests use, on their own, for {@code run},
 * {@code produce}, {@code inspect} and the console without Docker. Starts a KRaft broker in this JVM and Apicurio
 * Registry as a child process, both on 127.0.0.1, creates the input topic, prints the addresses and an
 * {@code app.yaml}, and stops both on SIGINT/SIGTERM (exit code 0).
 *
 * <p>With {@code --data-dir} the broker's log directory and the registry's H2 database live there and survive a
 * restart: records written before are still readable, because the schema ids they carry still resolve.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Start a local Kafka broker (KRaft, in-process) and schema registry (Apicurio) until Ctrl-C.")
final class LocalCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCommand.class);
  /** Printed once both components serve requests; tests and scripts wait for it. */
  static final String READY_LINE = "anyup-streams local stack is up";
  static final String STOPPED_LINE = "anyup-streams local stack stopped";

  @Option(names = "--kafka-port", defaultValue = "9092",
      description = "broker port for bootstrap.servers, 0 = any free port (default: ${DEFAULT-VALUE})")
  int kafkaPort;

  @Option(names = "--controller-port", defaultValue = "9093",
      description = "KRaft controller port, 0 = any free port (default: ${DEFAULT-VALUE})")
  int controllerPort;

  @Option(names = "--registry-port", defaultValue = "8081",
      description = "schema registry port, 0 = any free port (default: ${DEFAULT-VALUE})")
  int registryPort;

  @Option(names = "--data-dir",
      description = "keep broker data and registry schemas here across restarts (default: a temporary folder "
          + "deleted on stop); app.yaml is written here too")
  Path dataDir;

  @Option(names = "--http-port", defaultValue = "8080",
      description = "http.port written to app.yaml for the app's metrics/health port, 0 = any free port "
          + "(default: ${DEFAULT-VALUE})")
  int httpPort;

  @Option(names = "--topic", defaultValue = "images", description = "input topic to create (default: ${DEFAULT-VALUE})")
  String inputTopic;

  @Option(names = "--partitions", defaultValue = "4", description = "its partitions (default: ${DEFAULT-VALUE})")
  int partitions;

  /** The addresses a started stack serves on, and the configuration that points the app at them. */
  record Endpoints(String bootstrapServers, String schemaRegistryUrl, int httpPort) {
    /** Keys whose value follows the running stack on every start, whatever the file said before. */
    static final Set<String> STACK_KEYS = Set.of("bootstrap.servers", "schema.registry.url");

    /** A ready-to-use {@code app.yaml} for this stack (one broker: replication 1). */
    String appYaml() {
      return String.join("\n",
          "# anyup-streams run --config app.yaml",
          "bootstrap.servers: " + bootstrapServers,
          "schema.registry.url: " + schemaRegistryUrl,
          "topics.replication: 1",
          "streams.replication.factor: 1",
          "http.port: " + httpPort,
          "http.bind: 127.0.0.1",
          "");
    }

    /**
     * {@code existing} (a previous start's app.yaml, perhaps edited by the user) brought up to date: the stack's
     * endpoints ({@link #STACK_KEYS}) replaced in place, the other keys of {@link #appYaml()} added only when missing,
     * and every other line (comments, {@code console.*} and other user settings) kept as it was.
     */
    String updateAppYaml(String existing) {
      List<String> lines = new java.util.ArrayList<>(existing.lines().toList());
      for (String fresh : appYaml().lines().toList()) {
        int colon = fresh.indexOf(':');
        if (fresh.startsWith("#") || colon < 0) {
          continue;
        }
        String key = fresh.substring(0, colon);
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.startsWith(key + ":")) {
            at = i;
          }
        }
        if (at < 0) {
          lines.add(fresh);
        } else if (STACK_KEYS.contains(key)) {
          lines.set(at, fresh);
        }
      }
      return String.join("\n", lines) + "\n";
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    validate();
    CountDownLatch stopped = new CountDownLatch(1);
    Running running = start(System.out);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close(System.out);
      stopped.countDown();
      // A JVM stopped by SIGTERM exits 143 however cleanly it shut down; both components are stopped here.
      Runtime.getRuntime().halt(0);
    }, "anyup-local-shutdown"));
    stopped.await();
    return 0;
  }

  void validate() {
    for (Map.Entry<String, Integer> p : Map.of("--kafka-port", kafkaPort, "--controller-port", controllerPort,
        "--registry-port", registryPort).entrySet()) {
      if (p.getValue() < 0 || p.getValue() > 65535) {
        throw new StartupException(p.getKey() + " must be between 0 and 65535 but was " + p.getValue());
      }
    }
    if ((kafkaPort == 0) != (controllerPort == 0)) {
      throw new StartupException("--kafka-port and --controller-port are both fixed or both 0 (free) but were "
          + kafkaPort + " and " + controllerPort);
    }
    if (kafkaPort != 0 && kafkaPort == controllerPort) {
      throw new StartupException("--kafka-port and --controller-port must differ but both were " + kafkaPort);
    }
    if (partitions < 1) {
      throw new StartupException("--partitions must be positive but was " + partitions);
    }
  }

  /** A started stack and the folder it works in. */
  static final class Running {
    private final LocalStack stack;
    private final Path workDir;
    private final boolean temporary;
    private boolean closed;

    private Running(LocalStack stack, Path workDir, boolean temporary) {
      this.stack = stack;
      this.workDir = workDir;
      this.temporary = temporary;
    }

    Endpoints endpoints(int httpPort) {
      return new Endpoints(stack.bootstrapServers(), stack.schemaRegistryUrl(), httpPort);
    }

    /** Stops the registry, then the broker; deletes the folder when it was temporary. */
    synchronized void close(PrintStream out) {
      if (closed) {
        return;
      }
      closed = true;
      out.println("stopping the schema registry and the broker ...");
      try {
        stack.close();
      } finally {
        if (temporary) {
          deleteRecursively(workDir);
        }
      }
      out.println(STOPPED_LINE + (temporary ? " (temporary data deleted)" : " (data kept in " + workDir + ")"));
      out.flush();
    }
  }

  Running start(PrintStream out) {
    boolean temporary = dataDir == null;
    Path work;
    try {
      work = temporary ? Files.createTempDirectory("anyup-local-") : Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new StartupException("cannot create the data folder " + (temporary ? "(temporary)" : dataDir) + ": " + e);
    }
    out.println("starting Kafka (KRaft, in-process) and the schema registry (Apicurio, child process) ...");
    LocalKafkaCluster.Builder kafka = LocalKafkaCluster.builder();
    if (kafkaPort != 0) {
      kafka.optPorts(kafkaPort, controllerPort);
    }
    if (temporary) {
      kafka.optLogDirParent(work);
    } else {
      kafka.optDataDir(work.resolve("kafka"));
    }
    // Apicurio keeps schemas in H2; a file database makes the ids that stored records carry resolve after a restart.
    Map<String, String> registryEnv = temporary ? Map.of()
        : Map.of("REGISTRY_DATASOURCE_URL", "jdbc:h2:file:" + work.resolve("registry/schemas").toAbsolutePath());
    LocalStack stack;
    try {
      stack = LocalStack.start(work, kafka, registryPort, registryEnv);
    } catch (RuntimeException e) {
      if (temporary) {
        deleteRecursively(work);
      }
      throw new StartupException("local stack did not start: " + e.getMessage(), e);
    }
    Running running = new Running(stack, work, temporary);
    try {
      createInputTopic(stack);
      Endpoints ep = running.endpoints(httpPort);
      boolean updated = false;
      if (!temporary) {
        Path yaml = work.resolve("app.yaml");
        updated = Files.exists(yaml);
        Files.writeString(yaml, updated ? ep.updateAppYaml(Files.readString(yaml, StandardCharsets.UTF_8))
            : ep.appYaml(), StandardCharsets.UTF_8);
      }
      printReady(out, ep, stack, temporary ? null : work, updated);
    } catch (IOException | RuntimeException e) {
      running.close(out);
      throw new StartupException("local stack started but could not be prepared: " + e.getMessage(), e);
    }
    return running;
  }

  private void createInputTopic(LocalStack stack) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      if (admin.listTopics().names().get().contains(inputTopic)) {
        return;
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StartupException("cannot list topics on " + stack.bootstrapServers() + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while listing topics", e);
    }
    stack.kafka().createTopics(List.of(new NewTopic(inputTopic, partitions, (short) 1)));
    LOG.info("created input topic {} with {} partitions", inputTopic, partitions);
  }

  private void printReady(PrintStream out, Endpoints ep, LocalStack stack, Path kept, boolean updated) {
    String registry = ep.schemaRegistryUrl();
    out.println();
    out.println(READY_LINE + " (" + stack.startupTime().toMillis() + " ms)");
    out.println("  bootstrap.servers    " + ep.bootstrapServers());
    out.println("  schema.registry.url  " + registry);
    out.println("  input topic          " + inputTopic + " (" + partitions + " partitions)");
    out.println("  data                 " + (kept == null ? "temporary, deleted on stop" : kept + " (kept)"));
    out.println();
    Path yaml = kept == null ? null : kept.resolve("app.yaml");
    if (kept == null) {
      out.println("app.yaml (save it to a file):");
      out.println();
      ep.appYaml().lines().forEach(l -> out.println("    " + l));
      out.println();
    } else if (updated) {
      out.println("app.yaml: " + yaml + " updated (endpoints of this start; your other lines kept)");
    } else {
      out.println("app.yaml: written to " + yaml);
    }
    out.println();
    out.println("then, in other terminals:");
    out.println("    anyup-streams run --config " + (yaml == null ? "app.yaml" : yaml.toString()));
    out.println("    anyup-streams produce --bootstrap " + ep.bootstrapServers() + " --registry " + registry
        + " --topic " + inputTopic + " --source-id cam-1 IMAGES_DIR");
    out.println("    anyup-streams inspect --bootstrap " + ep.bootstrapServers() + " --registry " + registry
        + " --topic features.dense --png out/");
    out.println();
    out.println("Ctrl-C (SIGINT) or SIGTERM stops both.");
    out.flush();
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }
}
