package dev.anyup.streams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a workload's bundle comes from: the default bundle (shipped in the models jar; copied out here only so its
 * graphs can be timed one by one) or the ViT-S/14 + AnyUp-sized pair, built at setup by the export tooling's
 * {@code anyup_export.bench_models} with the Debian Python (never committed: it is 140 MB of random weights).
 */
final class BundleSource {
  private static final String DEFAULT_RESOURCES = "/dev/anyup/streams/models/default-bundle/";
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

  private BundleSource() {}

  /** Copies the default bundle's manifest and graphs into {@code dir} (the models module keeps its own copy). */
  static Path extractDefault(Path dir) {
    try {
      Files.createDirectories(dir);
      copyResource("manifest.json", dir);
      JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
      for (String section : List.of("encoder", "upsampler")) {
        for (JsonNode profile : manifest.path(section).path("profiles")) {
          copyResource(profile.path("file").asText(), dir);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the default bundle to " + dir, e);
    }
  }

  private static void copyResource(String name, Path dir) throws IOException {
    try (InputStream in = BundleSource.class.getResourceAsStream(DEFAULT_RESOURCES + name)) {
      if (in == null) {
        throw new IOException("the models jar has no default bundle file " + DEFAULT_RESOURCES + name);
      }
      Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Builds the ViT-S/14 + AnyUp-sized bundle into {@code dir} unless a complete one is already there.
   *
   * @param repoRoot the repository root (holds {@code models/export})
   * @param python the interpreter with torch and onnx ({@code /usr/bin/python3} on Debian)
   */
  static Path buildBenchModels(Path repoRoot, String python, Path dir, boolean tiny) {
    return build(repoRoot, python, dir, tiny ? List.of("--tiny") : List.of());
  }

  /** Builds the null-model bundle (real output sizes, next to no arithmetic) into {@code dir} unless it is there. */
  static Path buildNullModels(Path repoRoot, String python, Path dir) {
    return build(repoRoot, python, dir, List.of("--null"));
  }

  private static Path build(Path repoRoot, String python, Path dir, List<String> options) {
    if (Files.isRegularFile(dir.resolve("manifest.json"))) {
      return dir;
    }
    Path exportDir = repoRoot.resolve("models/export");
    if (!Files.isRegularFile(exportDir.resolve("anyup_export/bench_models.py"))) {
      throw new IllegalStateException("no models/export/anyup_export/bench_models.py under " + repoRoot
          + " (set -Danyup.repo.root=<repository root>)");
    }
    List<String> command = new ArrayList<>(List.of(python, "-m", "anyup_export.bench_models"));
    command.addAll(options);
    command.add(dir.toString());
    try {
      Path log = Files.createTempFile("bench-models", ".log");
      Process process = new ProcessBuilder(command).directory(exportDir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!process.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("building the benchmark models took over " + BUILD_TIMEOUT + ": " + command);
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("building the benchmark models failed (exit " + process.exitValue() + "): "
            + command + "\n" + tail(output, 4000));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the benchmark models", e);
    }
  }

  private static String tail(String s, int chars) {
    return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
  }

  /** The repository root: {@code -Danyup.repo.root}, else the first parent of the working directory with models/export. */
  static Path repoRoot() {
    String configured = System.getProperty("anyup.repo.root");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("models/export"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root (a parent with models/export) from "
        + Path.of("").toAbsolutePath() + "; set -Danyup.repo.root");
  }
}
