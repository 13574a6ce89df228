package dev.anyup.streams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code bench/python/loop.py} as a child process: its stdout is one JSON object per line (collected here),
 * its stderr goes to a log file. Closing it sends SIGTERM (the loop finishes its current record and exits) and kills
 * it if it has not exited after 30 s.
 */
final class PythonLoop implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path log;
  private final LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  private PythonLoop(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reader = new Thread(this::readEvents, "pyloop-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code python loop.py ARGS} with the repository root as its working directory. */
  static PythonLoop start(String python, Path repoRoot, List<String> args, Path log) {
    List<String> command = new ArrayList<>(List.of(python, "-u",
        repoRoot.resolve("bench/python/loop.py").toString()));
    command.addAll(args);
    try {
      Process p = new ProcessBuilder(command).directory(repoRoot.toFile())
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      PipelineBenchmark.log("python loop: %s (log %s)", String.join(" ", command), log);
      return new PythonLoop(p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  private void readEvents() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("{")) {
          events.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      // the process ended or was killed; await() reports the exit
    }
  }

  /** The next event named {@code name} (earlier events of other names are dropped). */
  JsonNode await(String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("python loop: no '" + name + "' event after " + timeout + "; see " + log);
      }
      JsonNode e;
      try {
        e = events.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the python loop", ie);
      }
      if (e != null && name.equals(e.path("event").asText())) {
        return e;
      }
      if (e == null && !process.isAlive() && events.isEmpty() && !reader.isAlive()) {
        throw new IllegalStateException("python loop exited with " + process.exitValue() + " before '" + name
            + "'; see " + log);
      }
    }
  }

  /** Every event received so far (removes them). */
  List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    events.drainTo(out);
    return out;
  }

  Path log() {
    return log;
  }

  /** CPU time the loop's process has used so far, all its threads (torch's, librdkafka's); zero where unknown. */
  Duration cpuTime() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(5_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
