package dev.anyup.streams.serdes.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Schema Registry for tests and the demo: Apicurio Registry 2.6.13 (in-memory storage) started from its
 * Maven Central zip as a child JVM bound to 127.0.0.1 on a free port, speaking the Confluent API at {@link #url()}.
 * The zip is unpacked once into a shared cache directory. {@link #close()} stops the process.
 *
 * <p>The zip is taken from system property {@code anyup.apicurio.zip}, else environment variable
 * {@code ANYUP_APICURIO_ZIP}, else the local Maven repository
 * ({@code io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all}; declare it as a test dependency so a fresh
 * machine fetches it).
 *
 * <p>The registry does not outlive its starter: on Linux and macOS it runs under a small {@code /bin/sh} watch that
 * stops it (SIGTERM) within a second of the starting JVM's end, however that ended (a SIGKILL runs no shutdown hook,
 * and Java cannot ask the kernel for a parent-death signal). On a fixed port the registry's pid is kept in
 * {@code <cache>/apicurio-registry-<port>.pid}; a later start on that port stops a registry still listed there (one
 * left behind by a starter that could not be watched) before it binds.
 */
public final class LocalSchemaRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);

  static final String VERSION = "2.6.13.Final";
  static final String ZIP_PROPERTY = "anyup.apicurio.zip";
  static final String ZIP_ENV = "ANYUP_APICURIO_ZIP";
  static final String CACHE_PROPERTY = "anyup.cache.dir";
  private static final String COMPLETE_MARKER = ".unpacked";
  private static final String CCOMPAT_PATH = "/apis/ccompat/v7";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final int LOG_TAIL_LINES = 40;
  /**
   * Runs {@code "$@"} (the registry) and stops it once the JVM that started this shell is gone: a background loop
   * checks the parent's pid once a second ({@code kill -0}). A SIGTERM to the shell (our {@link #close()}) stops the
   * registry at once; the shell exits with the registry's status.
   */
  static final String PARENT_WATCH = String.join("\n",
      "parent=$PPID",
      "\"$@\" </dev/null &",
      "child=$!",
      "trap 'kill $child 2>/dev/null' TERM INT HUP",
      "( while kill -0 $parent 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; kill $child 2>/dev/null ) &",
      "watch=$!",
      "wait $child",
      "status=$?",
      "while kill -0 $child 2>/dev/null; do wait $child; status=$?; done",
      "kill $watch 2>/dev/null",
      "exit $status");
  private static final Path SHELL = Path.of("/bin/sh");

  private final Process process;
  private final int port;
  private final Path logFile;
  private final Thread shutdownHook;
  private final Path pidFile;

  private LocalSchemaRegistry(Process process, int port, Path logFile, Path pidFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
    this.pidFile = pidFile;
    // a crashed or interrupted test JVM must not leave a registry running
    this.shutdownHook = new Thread(() -> destroy(process), "apicurio-registry-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the registry and waits (up to 90 s) until its Confluent API answers.
   *
   * @param workDir where the process log goes (created if missing)
   * @throws IllegalStateException when the zip cannot be found, or the registry exits or does not become ready;
   *     the message carries the tail of its log
   */
  public static LocalSchemaRegistry start(Path workDir) throws IOException {
    return start(workDir, Map.of());
  }

  /**
   * Like {@link #start(Path)}, with extra Apicurio settings as environment variables (e.g. {@code AUTH_ENABLED},
   * {@code TOKEN_ENDPOINT}); they override the defaults set here.
   */
  public static LocalSchemaRegistry start(Path workDir, Map<String, String> environment) throws IOException {
    return start(workDir, 0, environment);
  }

  /**
   * Like {@link #start(Path, Map)} on a fixed port ({@code 0}: a free one). For a registry whose schemas survive a
   * restart, pass {@code REGISTRY_DATASOURCE_URL=jdbc:h2:file:/some/dir/registry} in {@code environment} (Apicurio's
   * storage is H2, in memory by default).
   *
   * @throws IllegalArgumentException when the port is outside 0..65535
   * @throws IllegalStateException when a fixed port is already taken, naming it
   */
  public static LocalSchemaRegistry start(Path workDir, int fixedPort, Map<String, String> environment)
      throws IOException {
    Objects.requireNonNull(environment, "environment");
    if (fixedPort < 0 || fixedPort > 65535) {
      throw new IllegalArgumentException("registry port must be between 0 and 65535 but was " + fixedPort);
    }
    Files.createDirectories(workDir);
    Path home = unpacked(locateZip());
    Path runner = findRunner(home);
    Path pidFile = fixedPort == 0 ? null : cacheRoot().resolve("apicurio-registry-" + fixedPort + ".pid");
    if (pidFile != null) {
      stopStale(pidFile, runner);
    }
    int port = fixedPort == 0 ? freePort() : requireFree(fixedPort);
    Path log = workDir.resolve("apicurio-registry-" + port + ".log");
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SHELL)) {
      command.addAll(List.of(SHELL.toString(), "-c", PARENT_WATCH, "apicurio-registry-watch"));
    }
    command.addAll(List.of(
        javaExecutable(),
        "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=" + port,
        "-Dquarkus.banner.enabled=false",
        "-jar", runner.toString()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // whitespace-different but equal schemas map to the same id, as in Confluent's registry
    pb.environment().put("ENABLE_CCOMPAT_CANONICAL_HASH_MODE", "true");
    pb.environment().putAll(environment);
    LocalSchemaRegistry registry = new LocalSchemaRegistry(pb.start(), port, log, pidFile);
    try {
      long t0 = System.nanoTime();
      registry.awaitReady();
      registry.writePid();
      LOG.info("Apicurio Registry {} ready at {} after {} ms (log: {})", VERSION, registry.url(),
          (System.nanoTime() - t0) / 1_000_000, log);
      return registry;
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
  }

  /** Confluent-compatible base URL, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
  public String url() {
    return "http://127.0.0.1:" + port + CCOMPAT_PATH;
  }

  /** The registry's native REST API base ({@code /apis/registry/v2}), for anything the Confluent API lacks. */
  public String nativeUrl() {
    return "http://127.0.0.1:" + port + "/apis/registry/v2";
  }

  /** The file the registry's output goes to. */
  public Path logFile() {
    return logFile;
  }

  /** Stops the registry process (and any children) and waits for it to exit. */
  @Override
  public void close() {
    destroy(process);
    if (pidFile != null) {
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        LOG.debug("cannot delete {}", pidFile, e);
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // already shutting down: the hook runs (harmlessly) anyway
    }
  }

  private static void destroy(Process process) {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The registry JVM: the watch shell's child, or the process itself where there is no shell. */
  private ProcessHandle registryJvm() {
    return process.children().findFirst().orElse(process.toHandle());
  }

  private void writePid() throws IOException {
    if (pidFile != null) {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, registryJvm().pid() + "\n");
    }
  }

  /**
   * Stops the registry listed in {@code pidFile} if it still runs: a process of this user whose command line names
   * {@code runner} (so a recycled pid of something else is left alone).
   */
  static void stopStale(Path pidFile, Path runner) throws IOException {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    String text = Files.readString(pidFile).trim();
    Files.deleteIfExists(pidFile);
    long pid;
    try {
      pid = Long.parseLong(text);
    } catch (NumberFormatException e) {
      return;
    }
    ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().map(c -> c.contains(runner.toString())).orElse(false))
        .ifPresent(h -> {
          LOG.warn("stopping a registry left running by an earlier start (pid {}, listed in {})", pid, pidFile);
          h.destroy();
          try {
            h.onExit().get(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            h.destroyForcibly();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    // the health endpoint needs no credentials, so this also works with AUTH_ENABLED
    HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    String lastProblem = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited with code " + process.exitValue()
            + " before becoming ready; log " + logFile + ":\n" + logTail());
      }
      try {
        HttpResponse<Void> r = http.send(probe, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
        lastProblem = "HTTP " + r.statusCode();
      } catch (IOException notYet) {
        lastProblem = notYet.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Apicurio Registry at " + url(), e);
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Apicurio Registry at " + url(), e);
      }
    }
    throw new IllegalStateException("Apicurio Registry at " + url() + " not ready after " + STARTUP_TIMEOUT.toSeconds()
        + " s (last probe: " + lastProblem + "); log " + logFile + ":\n" + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  static Path locateZip() {
    String configured = System.getProperty(ZIP_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(ZIP_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured.trim());
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException("Apicurio zip " + p + " (from " + ZIP_PROPERTY + " / " + ZIP_ENV
            + ") does not exist");
      }
      return p;
    }
    String repo = System.getProperty("maven.repo.local");
    Path local = repo != null && !repo.isBlank() ? Path.of(repo)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
    Path zip = local.resolve(Path.of("io", "apicurio", "apicurio-registry-app", VERSION,
        "apicurio-registry-app-" + VERSION + "-all.zip"));
    if (!Files.isRegularFile(zip)) {
      throw new IllegalStateException("Apicurio Registry zip not found at " + zip + "; fetch it with"
          + " `mvn dependency:get -Dartifact=io.apicurio:apicurio-registry-app:" + VERSION + ":zip:all`"
          + " or point " + ZIP_PROPERTY + " / " + ZIP_ENV + " at it");
    }
    return zip;
  }

  private static Path cacheRoot() {
    String configured = System.getProperty(CACHE_PROPERTY);
    return configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "anyup-streams");
  }

  /** Unpacks the zip once into the cache; concurrent starters race safely (temp dir + atomic rename). */
  static Path unpacked(Path zip) throws IOException {
    Path root = cacheRoot();
    Path target = root.resolve("apicurio-" + VERSION + "-" + Long.toHexString(Files.size(zip)));
    if (Files.exists(target.resolve(COMPLETE_MARKER))) {
      return target;
    }
    Files.createDirectories(root);
    Path tmp = Files.createTempDirectory(root, "apicurio-unpack-");
    try {
      unzip(zip, tmp);
      Files.createFile(tmp.resolve(COMPLETE_MARKER));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException lostRace) {
        if (!Files.exists(target.resolve(COMPLETE_MARKER))) {
          throw new IllegalStateException("cache directory " + target + " exists but is incomplete; delete it", lostRace);
        }
      }
    } finally {
      deleteRecursively(tmp);
    }
    return target;
  }

  private static void unzip(Path zip, Path into) throws IOException {
    Path base = into.toAbsolutePath().normalize();
    try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
        Path out = base.resolve(e.getName()).normalize();
        if (!out.startsWith(base)) {
          throw new IOException("zip entry escapes the target directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  static Path findRunner(Path home) throws IOException {
    Path quarkusApp = home.resolve("quarkus-app").resolve("quarkus-run.jar");
    if (Files.isRegularFile(quarkusApp)) {
      return quarkusApp;
    }
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(home, "*-runner.jar")) {
      for (Path jar : jars) {
        return jar;
      }
    }
    throw new IllegalStateException("no Quarkus runner (*-runner.jar or quarkus-app/quarkus-run.jar) in " + home);
  }

  private static int requireFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("registry port " + port + " on 127.0.0.1 is already in use: " + e.getMessage(),
          e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static String javaExecutable() {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return Objects.requireNonNull(java.toString());
  }
}
