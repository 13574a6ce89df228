package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26: every start left ~20 MB of ONNX Runtime libraries ({@code onnxruntime-java*}), an {@code ort-model*}
 * folder and RocksDB's 14 MB library in the OS temp folder, even after a clean exit (twenty restarts: 347 MB). Each
 * cycle here is its own JVM whose {@code java.io.tmpdir} is a fresh folder standing for the OS temp folder.
 */
class TempFilesIT {
  /** Start/stop cycles; each is a JVM loading the bundle (about 3 s on a shared 2-core machine). */
  static final int CYCLES = Integer.getInteger("anyup.tempfiles.cycles", 10);

  @Test
  void repeatedStartsLeaveNothingInTheOsTempFolderAndReuseOneAppFolder(@TempDir Path work) throws Exception {
    Path osTemp = Files.createDirectories(work.resolve("os-tmp"));
    Path appTemp = work.resolve("app-tmp");
    // the measure can fail: without the fix one cycle leaves the libraries behind
    run(osTemp, appTemp, "as-before");
    List<String> leftBefore = list(osTemp);
    assertTrue(leftBefore.stream().anyMatch(n -> n.startsWith("onnxruntime-java"))
        && leftBefore.stream().anyMatch(n -> n.startsWith("librocksdbjni")), "as before the fix: " + leftBefore);
    clear(osTemp);
    long appFilesAfterFirst = -1;
    for (int i = 0; i < CYCLES; i++) {
      run(osTemp, appTemp, "prepare");
      assertEquals(List.of(), list(osTemp), "nothing in the OS temp folder after cycle " + (i + 1));
      long appFiles = count(appTemp);
      if (i == 0) {
        appFilesAfterFirst = appFiles;
      }
      assertEquals(appFilesAfterFirst, appFiles, "the app folder is reused, not grown, at cycle " + (i + 1));
    }
    System.out.printf("TempFilesIT: %d start/stop cycles: %d new entries in the OS temp folder (%d before the fix, "
        + "one cycle: %s); app.temp.dir holds %d files%n", CYCLES, list(osTemp).size(), leftBefore.size(),
        leftBefore, appFilesAfterFirst);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void run(Path osTemp, Path appTemp, String mode) throws IOException, InterruptedException {
    Path log = osTemp.getParent().resolve("cycle.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:-UsePerfData", "-Djava.io.tmpdir=" + osTemp, "-cp", System.getProperty("java.class.path"),
        TempFilesChild.class.getName(), appTemp.toString(), mode).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a cycle finishes");
    assertEquals(0, p.exitValue(), () -> "the cycle's JVM exits cleanly: " + tail(log));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  private static long count(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  private static void clear(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (!x.equals(dir)) {
          Files.delete(x);
        }
      }
    }
  }
}
