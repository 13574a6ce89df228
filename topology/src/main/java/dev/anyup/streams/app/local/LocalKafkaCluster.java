package dev.anyup.streams.app.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster (KRaft, one process acting as broker and controller) running inside this JVM,
 * for the {@code demo} command and the integration tests.
 *
 * <p>It is the production broker code from {@code kafka_2.13} ({@link KafkaRaftServer}) on a log directory formatted
 * with {@link Formatter}, exactly as {@code kafka-storage.sh format} + {@code kafka-server-start.sh} would do it, bound
 * to 127.0.0.1 on free ports. The internal topics are sized for one broker so that transactions and consumer groups
 * work ({@code exactly_once_v2} needs the transaction state log), and the record size limit is raised so that dense
 * feature records fit. The temporary log directory is deleted by {@link #close()}; a data directory given with
 * {@link Builder#optDataDir} is kept, and formatted only on first use (the {@code local} command's restarts).
 *
 * <p>Failure behaviour is the broker's own: a port taken between picking it and binding it makes {@link Builder#start}
 * try again on fresh ports; a fatal broker fault at run time (e.g. its only log directory fails because the disk is
 * full) halts the JVM through Kafka's {@code Exit.halt}, as it would a real broker.
 *
 * <pre>{@code
 * try (LocalKafkaCluster kafka = LocalKafkaCluster.start()) {
 *     kafka.createTopics(List.of(new NewTopic("images", 3, (short) 1)));
 *     ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class LocalKafkaCluster implements AutoCloseable {

    /** Default broker-wide record size limit: large enough for a dense FLOAT16 feature record at 384×224×224. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    /** A port picked free can be taken by someone else before the broker binds it; then start again on new ports. */
    private static final int BIND_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final Path logDir;
    private final boolean deleteLogDirOnClose;
    private final String bootstrapServers;
    private final int maxMessageBytes;
    private final Duration startupTime;
    private final Duration operationTimeout;
    private boolean closed;

    private LocalKafkaCluster(KafkaRaftServer server, Path logDir, boolean deleteLogDirOnClose, String bootstrapServers,
                              int maxMessageBytes, Duration startupTime, Duration operationTimeout) {
        this.server = server;
        this.logDir = logDir;
        this.deleteLogDirOnClose = deleteLogDirOnClose;
        this.bootstrapServers = bootstrapServers;
        this.maxMessageBytes = maxMessageBytes;
        this.startupTime = startupTime;
        this.operationTimeout = operationTimeout;
    }

    /** Starts a cluster with the defaults (see {@link Builder}). */
    public static LocalKafkaCluster start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker's {@code message.max.bytes}: the largest record batch a topic accepts unless it sets its own limit. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Time from formatting the log directory to the broker answering requests. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The broker's data and metadata log directory. */
    public Path logDir() {
        return logDir;
    }

    /** Client configuration that reaches this broker: {@code bootstrap.servers} only, as a fresh mutable map. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return config;
    }

    /**
     * Creates the topics and waits until every partition has a leader, so that clients can use them at once.
     *
     * @throws LocalStackException naming the topics if the broker refuses them (e.g. one already exists) or does
     *     not answer in time
     */
    public void createTopics(Collection<NewTopic> topics) {
        Objects.requireNonNull(topics, "topics must not be null");
        if (topics.isEmpty()) {
            return;
        }
        List<String> names = topics.stream().map(NewTopic::name).toList();
        try (Admin admin = Admin.create(clientConfig())) {
            admin.createTopics(topics).all().get(operationTimeout.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(admin, names);
        } catch (ExecutionException e) {
            throw new LocalStackException("could not create topics " + names + " on " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new LocalStackException("creating topics " + names + " on " + bootstrapServers
                    + " did not finish within " + operationTimeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("interrupted while creating topics " + names, e);
        }
    }

    /** Creates one topic with replication factor 1 and the given topic configuration (e.g. {@code max.message.bytes}). */
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1 but was " + partitions + " for topic " + name);
        }
        createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(Map.copyOf(topicConfig))));
    }

    private void awaitLeaders(Admin admin, List<String> names)
            throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + operationTimeout.toNanos();
        long backoffMs = 10;
        while (true) {
            boolean allLed;
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                        .get(operationTimeout.toMillis(), TimeUnit.MILLISECONDS);
                allLed = descriptions.values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            } catch (ExecutionException e) {
                // right after creation the broker may not know the topic yet: same as "no leader yet"
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                allLed = false;
            }
            if (allLed) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + names + " have no leader after " + operationTimeout);
            }
            // Metadata propagation from the controller to the broker has no notification a client can wait on.
            TimeUnit.MILLISECONDS.sleep(backoffMs);
            backoffMs = Math.min(backoffMs * 2, 200);
        }
    }

    /**
     * Shuts the broker down (controlled shutdown, logs flushed) and deletes the log directory unless it is a data
     * directory given with {@link Builder#optDataDir}. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteLogDirOnClose) {
                deleteRecursively(logDir);
            }
        }
        LOG.info("Local Kafka broker {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @Override
    public String toString() {
        return "LocalKafkaCluster[" + bootstrapServers + ", logDir=" + logDir + "]";
    }

    static void deleteRecursively(Path root) {
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

    /**
     * Options for {@link LocalKafkaCluster}. Every value is optional; {@link #start()} validates them and starts
     * the broker.
     */
    public static final class Builder {
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Path logDirParent;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration operationTimeout = Duration.ofSeconds(30);
        private final Map<String, String> brokerConfig = new LinkedHashMap<>();
        private IntSupplier portPicker = Builder::freePort;
        private int brokerPort;
        private int controllerPort;
        private Path dataDir;

        private Builder() {
        }

        /**
         * Fixed ports for the client listener ({@code bootstrap.servers}) and the controller (default: free ports
         * picked at start). A port already in use fails the start with a message naming it; there is no retry.
         * Stopping a broker and starting one again on the same ports (and {@link #optDataDir}) works at once, while
         * the old connections still sit in TIME_WAIT: Kafka opens its listeners with the JDK's
         * {@code ServerSocketChannel}, which sets {@code SO_REUSEADDR} on Linux and macOS ({@code BrokerBounceIT}
         * restarts on ports with dozens of TIME_WAIT entries).
         */
        public Builder optPorts(int brokerPort, int controllerPort) {
            requirePort(brokerPort, "broker port");
            requirePort(controllerPort, "controller port");
            if (brokerPort == controllerPort) {
                throw new IllegalArgumentException("broker port and controller port must differ but both were "
                        + brokerPort);
            }
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            return this;
        }

        /**
         * A log directory that outlives the broker (default: a temporary one, deleted by {@link #close()}). It is
         * formatted on first use only; later starts serve the topics and records already in it. {@link #close()}
         * keeps it.
         */
        public Builder optDataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "data dir must not be null");
            return this;
        }

        private static void requirePort(int port, String what) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(what + " must be between 1 and 65535 but was " + port);
            }
        }

        /** Broker-wide {@code message.max.bytes} (default 64 MiB); socket and fetch limits are raised to match. */
        public Builder optMaxMessageBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("max message bytes must be at least 1024 but was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Where the temporary log directory is created (default: {@code java.io.tmpdir}). */
        public Builder optLogDirParent(Path parent) {
            this.logDirParent = Objects.requireNonNull(parent, "log dir parent must not be null");
            return this;
        }

        /** How long starting may take before it is abandoned (default 60 s). */
        public Builder optStartTimeout(Duration timeout) {
            this.startTimeout = requirePositive(timeout, "start timeout");
            return this;
        }

        /** How long {@link #createTopics} may take (default 30 s). */
        public Builder optOperationTimeout(Duration timeout) {
            this.operationTimeout = requirePositive(timeout, "operation timeout");
            return this;
        }

        /**
         * Any broker property ({@code server.properties} syntax), applied last. Listeners, node id, roles and log
         * directories belong to this class and are refused.
         */
        public Builder optBrokerConfig(String key, String value) {
            Objects.requireNonNull(key, "broker config key must not be null");
            Objects.requireNonNull(value, "broker config value must not be null for " + key);
            if (OWNED_KEYS.contains(key)) {
                throw new IllegalArgumentException("broker config " + key + " is set by LocalKafkaCluster itself");
            }
            brokerConfig.put(key, value);
            return this;
        }

        /** Tests: where ports come from (default: a free port on 127.0.0.1, which someone may take before us). */
        Builder portPicker(IntSupplier picker) {
            this.portPicker = Objects.requireNonNull(picker, "port picker must not be null");
            return this;
        }

        private static final Set<String> OWNED_KEYS = Set.of("process.roles", "node.id", "listeners",
                "advertised.listeners", "controller.listener.names", "controller.quorum.voters",
                "controller.quorum.bootstrap.servers", "listener.security.protocol.map", "inter.broker.listener.name",
                "log.dirs", "log.dir", "metadata.log.dir");

        private static Duration requirePositive(Duration d, String what) {
            Objects.requireNonNull(d, what + " must not be null");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive but was " + d);
            }
            return d;
        }

        /**
         * Formats a fresh log directory and starts the broker; returns once it serves requests.
         *
         * @throws LocalStackException if the broker cannot start (the log directory is removed again)
         */
        public LocalKafkaCluster start() {
            LocalStackException last = null;
            for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
                try {
                    return startOnce();
                } catch (LocalStackException e) {
                    if (!causedByBind(e)) {
                        throw e;
                    }
                    if (brokerPort != 0) {
                        throw new LocalStackException("local Kafka broker cannot bind its fixed ports (broker "
                                + brokerPort + ", controller " + controllerPort + "): is another broker running?", e);
                    }
                    LOG.warn("Local Kafka broker could not bind its ports (attempt {} of {}): {}",
                            attempt, BIND_ATTEMPTS, e.getMessage());
                    last = e;
                }
            }
            throw last;
        }

        private static boolean causedByBind(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof BindException) {
                    return true;
                }
            }
            return false;
        }

        private LocalKafkaCluster startOnce() {
            long started = System.nanoTime();
            boolean persistent = dataDir != null;
            Path logDir = persistent ? createDataDir() : createLogDir();
            KafkaRaftServer server = null;
            try {
                int controllerPort = this.controllerPort != 0 ? this.controllerPort : portPicker.getAsInt();
                int brokerPort = this.brokerPort != 0 ? this.brokerPort : portPicker.getAsInt();
                while (brokerPort == controllerPort) {
                    brokerPort = portPicker.getAsInt();
                }
                String bootstrap = HOST + ":" + brokerPort;
                Properties props = brokerProperties(logDir, controllerPort, brokerPort);
                if (!persistent || !isFormatted(logDir)) {
                    format(logDir);
                }
                KafkaConfig config = KafkaConfig.fromProps(props, false);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                awaitServing(bootstrap);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                LOG.info("Local Kafka broker (KRaft, combined broker+controller) serving on {} after {} ms; log dir {}",
                        bootstrap, took.toMillis(), logDir);
                return new LocalKafkaCluster(server, logDir, !persistent, bootstrap, maxMessageBytes, took,
                        operationTimeout);
            } catch (RuntimeException | Error e) {
                stopQuietly(server, e);
                if (!persistent) {
                    deleteQuietly(logDir, e);
                }
                throw e instanceof LocalStackException lce ? lce
                        : new LocalStackException("could not start a local Kafka broker in " + logDir + ": " + e, e);
            }
        }

        private Path createLogDir() {
            try {
                return logDirParent == null
                        ? Files.createTempDirectory("anyup-kafka-")
                        : Files.createTempDirectory(Files.createDirectories(logDirParent), "anyup-kafka-");
            } catch (IOException e) {
                throw new LocalStackException("could not create a log directory for the local Kafka broker under "
                        + (logDirParent == null ? System.getProperty("java.io.tmpdir") : logDirParent), e);
            }
        }

        private Path createDataDir() {
            try {
                return Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new LocalStackException("could not create the Kafka data directory " + dataDir, e);
            }
        }

        /** {@code kafka-storage.sh format} writes {@code meta.properties}; its presence means "formatted before". */
        static boolean isFormatted(Path logDir) {
            return Files.isRegularFile(logDir.resolve("meta.properties"));
        }

        Properties brokerProperties(Path logDir, int controllerPort, int brokerPort) {
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", Integer.toString(NODE_ID));
            p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
            p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
            p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("controller.listener.names", CONTROLLER_LISTENER);
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("log.dirs", logDir.toString());
            p.put("metadata.log.dir", logDir.toString());

            // One broker: every internal topic must live with a single replica, or transactions and groups never start.
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            // Topics are created on purpose (TopicProvisioner, createTopics); a typo must fail rather than create one.
            p.put("auto.create.topics.enable", "false");

            // Big feature records: the request and fetch limits must admit what message.max.bytes allows.
            int socketLimit = (int) Math.min(Integer.MAX_VALUE, Math.max(100L * 1024 * 1024, maxMessageBytes + 1024L * 1024));
            p.put("message.max.bytes", Integer.toString(maxMessageBytes));
            p.put("replica.fetch.max.bytes", Integer.toString(maxMessageBytes));
            p.put("socket.request.max.bytes", Integer.toString(socketLimit));

            // A laptop-sized broker: the log cleaner's default 128 MiB dedupe buffer is not needed here.
            p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "4");
            p.put("server.max.startup.time.ms", Long.toString(startTimeout.toMillis()));
            p.putAll(brokerConfig);
            return p;
        }

        private static void format(Path logDir) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                new Formatter()
                        .setPrintStream(print)
                        .setNodeId(NODE_ID)
                        .setClusterId(Uuid.randomUuid().toString())
                        .setDirectories(List.of(logDir.toString()))
                        .setMetadataLogDirectory(logDir.toString())
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .run();
            } catch (Exception e) {
                throw new LocalStackException("could not format the Kafka log directory " + logDir + ": "
                        + e.getMessage() + " (" + out.toString(StandardCharsets.UTF_8).strip() + ")", e);
            }
            LOG.debug("Formatted {}: {}", logDir, out.toString(StandardCharsets.UTF_8).strip());
        }

        /** startup() returns when the broker is unfenced; this confirms a client can reach it before handing it out. */
        private void awaitServing(String bootstrap) {
            Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(config)) {
                int nodes = admin.describeCluster().nodes().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS).size();
                if (nodes != 1) {
                    throw new LocalStackException("local Kafka broker on " + bootstrap + " reports " + nodes + " nodes");
                }
            } catch (ExecutionException | TimeoutException e) {
                throw new LocalStackException("local Kafka broker on " + bootstrap + " did not answer within "
                        + startTimeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalStackException("interrupted while waiting for the local Kafka broker", e);
            }
        }

        static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                socket.setReuseAddress(true);
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new LocalStackException("no free TCP port on " + HOST, e);
            }
        }

        private static void stopQuietly(KafkaRaftServer server, Throwable primary) {
            if (server == null) {
                return;
            }
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                primary.addSuppressed(e);
            }
        }

        private static void deleteQuietly(Path dir, Throwable primary) {
            try {
                deleteRecursively(dir);
            } catch (UncheckedIOException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
