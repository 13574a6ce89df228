package dev.anyup.streams.app.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.anyup.streams.serdes.local.LocalSchemaRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the application talks to, started locally with nothing installed but Java and Maven: a KRaft Kafka
 * broker in this JVM ({@link LocalKafkaCluster}) and a Confluent-compatible schema registry as a child process
 * ({@link LocalSchemaRegistry}, Apicurio). Used by the {@code demo} command and the integration tests.
 *
 * <p>The two start in parallel (the registry is a separate JVM, so its start overlaps the broker's). If either fails,
 * the other is stopped before the exception leaves {@link #start}. {@link #close()} stops the registry, then the
 * broker, then deletes the working directory if this class created it. Close the application and its clients first:
 * they are the stack's users, and a Streams client whose broker is gone waits out its timeouts.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final LocalKafkaCluster kafka;
    private final LocalSchemaRegistry registry;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Duration startupTime;
    private boolean closed;

    private LocalStack(LocalKafkaCluster kafka, LocalSchemaRegistry registry, Path workDir, boolean ownsWorkDir,
                       Duration startupTime) {
        this.kafka = kafka;
        this.registry = registry;
        this.workDir = workDir;
        this.ownsWorkDir = ownsWorkDir;
        this.startupTime = startupTime;
    }

    /** Starts a default broker and a registry in a temporary working directory that {@link #close()} deletes. */
    public static LocalStack start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("anyup-stack-");
        } catch (IOException e) {
            throw new LocalStackException("could not create a working directory for the local stack", e);
        }
        return start(dir, LocalKafkaCluster.builder(), true);
    }

    /**
     * Starts the broker described by {@code kafka} and a registry whose log goes under {@code workDir/registry}.
     * {@code workDir} belongs to the caller and is kept (with the registry log) after {@link #close()}.
     */
    public static LocalStack start(Path workDir, LocalKafkaCluster.Builder kafka) {
        return start(workDir, kafka, 0, Map.of());
    }

    /**
     * Like {@link #start(Path, LocalKafkaCluster.Builder)} with the registry on {@code registryPort} ({@code 0}: a free
     * port) and extra Apicurio settings as environment variables (e.g. {@code REGISTRY_DATASOURCE_URL} for schemas
     * that survive a restart).
     */
    public static LocalStack start(Path workDir, LocalKafkaCluster.Builder kafka, int registryPort,
                                   Map<String, String> registryEnvironment) {
        Objects.requireNonNull(workDir, "work dir must not be null");
        Objects.requireNonNull(kafka, "kafka builder must not be null");
        Objects.requireNonNull(registryEnvironment, "registry environment must not be null");
        return start(workDir, kafka, false, registryPort, Map.copyOf(registryEnvironment));
    }

    private static LocalStack start(Path workDir, LocalKafkaCluster.Builder kafkaBuilder, boolean ownsWorkDir) {
        return start(workDir, kafkaBuilder, ownsWorkDir, 0, Map.of());
    }

    private static LocalStack start(Path workDir, LocalKafkaCluster.Builder kafkaBuilder, boolean ownsWorkDir,
                                    int registryPort, Map<String, String> registryEnvironment) {
        long started = System.nanoTime();
        Path registryDir = workDir.resolve("registry");
        ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "local-stack-registry-start");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<LocalSchemaRegistry> registryStart = CompletableFuture.supplyAsync(() -> {
                try {
                    return LocalSchemaRegistry.start(registryDir, registryPort, registryEnvironment);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, starter);

            LocalKafkaCluster kafka;
            try {
                kafka = kafkaBuilder.start();
            } catch (RuntimeException | Error e) {
                closeWhenStarted(registryStart, e);
                deleteIfOwned(workDir, ownsWorkDir, e);
                throw e;
            }

            LocalSchemaRegistry registry;
            try {
                registry = registryStart.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException io ? io.getCause() : e.getCause();
                LocalStackException failure = new LocalStackException(
                        "could not start the local schema registry (Apicurio) in " + registryDir + ": "
                                + cause.getMessage(), cause);
                closeQuietly(kafka, failure);
                deleteIfOwned(workDir, ownsWorkDir, failure);
                throw failure;
            }

            Duration took = Duration.ofNanos(System.nanoTime() - started);
            LOG.info("Local stack up after {} ms: Kafka {} (broker {} ms), schema registry {}",
                    took.toMillis(), kafka.bootstrapServers(), kafka.startupTime().toMillis(), registry.url());
            return new LocalStack(kafka, registry, workDir, ownsWorkDir, took);
        } finally {
            starter.shutdown();
        }
    }

    /** {@code bootstrap.servers} of the broker. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@code schema.registry.url}: the registry's Confluent-compatible API. */
    public String schemaRegistryUrl() {
        return registry.url();
    }

    public LocalKafkaCluster kafka() {
        return kafka;
    }

    public LocalSchemaRegistry schemaRegistry() {
        return registry;
    }

    /** Where the registry log lives. */
    public Path workDir() {
        return workDir;
    }

    /** Wall time of {@link #start}: both components, started in parallel. */
    public Duration startupTime() {
        return startupTime;
    }

    /**
     * Stops the registry, then the broker, then deletes the working directory if it was created by {@link #start()}.
     * Every step runs even if an earlier one fails; the first failure is thrown with the others suppressed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            registry.close();
        } catch (RuntimeException e) {
            failure = new LocalStackException("could not stop the local schema registry at " + registry.url(), e);
        }
        try {
            kafka.close();
        } catch (RuntimeException e) {
            failure = addOrSet(failure, e);
        }
        if (ownsWorkDir) {
            try {
                LocalKafkaCluster.deleteRecursively(workDir);
            } catch (UncheckedIOException e) {
                failure = addOrSet(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "LocalStack[kafka=" + bootstrapServers() + ", registry=" + schemaRegistryUrl() + "]";
    }

    private static RuntimeException addOrSet(RuntimeException failure, RuntimeException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }

    private static void closeWhenStarted(CompletableFuture<LocalSchemaRegistry> registryStart, Throwable primary) {
        try {
            registryStart.join().close();
        } catch (CompletionException | IllegalStateException e) {
            // the registry failed to start as well: nothing to stop, but keep the reason
            primary.addSuppressed(e.getCause() == null ? e : e.getCause());
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    private static void closeQuietly(LocalKafkaCluster kafka, Throwable primary) {
        try {
            kafka.close();
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    private static void deleteIfOwned(Path dir, boolean owned, Throwable primary) {
        if (!owned) {
            return;
        }
        try {
            LocalKafkaCluster.deleteRecursively(dir);
        } catch (UncheckedIOException e) {
            primary.addSuppressed(e);
        }
    }
}
