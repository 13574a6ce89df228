package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local} as a user runs it: a child JVM started from the command line, then the README's path against it —
 * {@code run} (the app, configured from the {@code app.yaml} that {@code local} wrote), {@code produce},
 * {@code inspect} — then SIGTERM, and a restart on the same data folder that still serves the records.
 */
class LocalCommandIT {
  @TempDir Path dir;

  @Test
  void servesTheReadmePathStopsOnSigtermAndKeepsRecordsAndSchemasAcrossARestart() throws Exception {
    Path data = dir.resolve("data");
    Path images = Files.createDirectories(dir.resolve("images"));
    Files.write(images.resolve("a.png"), TestImages.pattern(90, 60, 1, "png"));
    Files.write(images.resolve("b.jpg"), TestImages.pattern(64, 80, 2, "jpg"));

    LocalProcess first = LocalProcess.start(dir.resolve("first.log"), data);
    try {
      assertTrue(first.output().contains("app.yaml"), first.output());
      // what `run --config DATA/app.yaml` would run (only the HTTP port is moved off 8080)
      AppConfig cfg = ConfigLoader.load(data.resolve("app.yaml"), Map.of("ANYUP_HTTP_PORT", "0"));
      assertTrue(first.output().contains("bootstrap.servers    " + cfg.bootstrapServers()), first.output());
      try (AnyupApp app = AnyupApp.start(cfg); ItSupport.Client client = new ItSupport.Client(app.config())) {
        assertEquals(0, Main.execute("produce", "--bootstrap", cfg.bootstrapServers(), "--registry",
            cfg.schemaRegistryUrl(), "--source-id", "cam-1", images.toString()));
        assertEquals(2, client.collect(2, 2, 0, Duration.ofSeconds(90)).dense().size());
      }
      assertEquals(2, inspectDense(cfg, dir.resolve("png-first")));
    } finally {
      first.stop();
    }
    assertEquals(0, first.exitCode(), first.output());
    assertTrue(first.output().contains(LocalCommand.STOPPED_LINE + " (data kept in "), first.output());
    // the README tells users to add console lines to DATA/app.yaml: a restart keeps them
    Files.writeString(data.resolve("app.yaml"), "# console, as the README says\nconsole.enabled: true\n",
        java.nio.file.StandardOpenOption.APPEND);

    LocalProcess second = LocalProcess.start(dir.resolve("second.log"), data);
    try {
      AppConfig cfg = ConfigLoader.load(data.resolve("app.yaml"), Map.of("ANYUP_HTTP_PORT", "0"));
      assertTrue(cfg.console().enabled(), "the user's console line survived the restart");
      assertTrue(second.output().contains("run --config " + data.resolve("app.yaml")), second.output());
      // the records are still in the broker and the schema ids they carry still resolve in the registry
      assertEquals(2, inspectDense(cfg, dir.resolve("png-second")));
    } finally {
      second.stop();
    }
    assertEquals(0, second.exitCode(), second.output());
  }

  /**
   * Issue 22: a SIGKILLed {@code local} (no shutdown hook runs) leaves no process behind; before, its Apicurio child
   * kept running on the registry port. Every descendant is captured before the kill.
   */
  @Test
  void sigkillLeavesNoProcessBehind() throws Exception {
    LocalProcess local = LocalProcess.start(dir.resolve("killed.log"), dir.resolve("killed-data"));
    List<ProcessHandle> descendants = local.process().descendants().toList();
    String described = descendants.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
        .collect(java.util.stream.Collectors.joining("\n"));
    assertTrue(descendants.stream().anyMatch(h -> h.info().commandLine().orElse("").contains("quarkus")),
        () -> "the registry runs under local:\n" + described);
    long killed = System.nanoTime();
    local.process().destroyForcibly().waitFor(); // SIGKILL
    try {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> descendants.stream().noneMatch(ProcessHandle::isAlive));
      System.out.printf("LocalCommandIT: %d descendant(s) of the SIGKILLed local all gone after %.1f s%n",
          descendants.size(), (System.nanoTime() - killed) / 1e9);
    } finally {
      descendants.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static long inspectDense(AppConfig cfg, Path png) throws IOException {
    assertEquals(0, Main.execute("inspect", "--bootstrap", cfg.bootstrapServers(), "--registry",
        cfg.schemaRegistryUrl(), "--topic", cfg.topics().dense(), "--max", "2", "--idle-ms", "10000",
        "--png", png.toString()));
    try (Stream<Path> files = Files.list(png)) {
      return files.filter(f -> f.toString().endsWith(".png")).count();
    }
  }

  /** {@code anyup-streams local} in a child JVM, on free ports, its output in a file. */
  private record LocalProcess(Process process, Path log) {
    static LocalProcess start(Path log, Path data) throws IOException {
      String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
          "-cp", cp, "dev.anyup.streams.app.Main", "local", "--kafka-port", "0", "--controller-port", "0",
          "--registry-port", "0", "--data-dir", data.toString());
      LocalProcess p = new LocalProcess(
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
          .until(() -> p.output().contains(LocalCommand.READY_LINE) || !p.process().isAlive());
      assertTrue(p.process().isAlive(), () -> "local exited before it was ready:\n" + p.output());
      return p;
    }

    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(log unreadable: " + e + ")";
      }
    }

    /** SIGTERM, as Ctrl-C or an orchestrator would send; forcibly after 60 s so a failing test leaves nothing. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }

    int exitCode() {
      return process.exitValue();
    }
  }
}
