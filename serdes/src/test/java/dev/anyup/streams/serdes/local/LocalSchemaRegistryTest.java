package dev.anyup.streams.serdes.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's file handling; starting the real registry is covered by LocalSchemaRegistryIT. */
class LocalSchemaRegistryTest {
  @TempDir
  Path tmp;

  @AfterEach
  void clearProperties() {
    System.clearProperty(LocalSchemaRegistry.ZIP_PROPERTY);
    System.clearProperty(LocalSchemaRegistry.CACHE_PROPERTY);
  }

  private Path zip(String... entries) throws IOException {
    Path zip = tmp.resolve("app.zip");
    try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
      for (String e : entries) {
        z.putNextEntry(new ZipEntry(e));
        if (!e.endsWith("/")) {
          z.write(e.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        z.closeEntry();
      }
    }
    return zip;
  }

  @Test
  void configuredZipThatDoesNotExistIsNamed() {
    System.setProperty(LocalSchemaRegistry.ZIP_PROPERTY, tmp.resolve("missing.zip").toString());
    IllegalStateException e = assertThrows(IllegalStateException.class, LocalSchemaRegistry::locateZip);
    assertTrue(e.getMessage().contains("missing.zip"), e.getMessage());
  }

  @Test
  void zipIsUnpackedOnceAndTheRunnerFound() throws IOException {
    System.setProperty(LocalSchemaRegistry.CACHE_PROPERTY, tmp.resolve("cache").toString());
    Path zip = zip("lib/", "lib/a.jar", "app-1.0-runner.jar");

    Path home = LocalSchemaRegistry.unpacked(zip);
    Files.writeString(home.resolve("lib/a.jar"), "changed");
    Path again = LocalSchemaRegistry.unpacked(zip);

    assertEquals(home, again);
    assertEquals("changed", Files.readString(again.resolve("lib/a.jar")));
    assertEquals(home.resolve("app-1.0-runner.jar"), LocalSchemaRegistry.findRunner(home));
    try (var left = Files.list(tmp.resolve("cache"))) {
      assertEquals(1, left.count()); // no temp dirs left behind
    }
  }

  @Test
  void zipEntryEscapingTheTargetIsRefused() throws IOException {
    System.setProperty(LocalSchemaRegistry.CACHE_PROPERTY, tmp.resolve("cache").toString());
    Path zip = zip("../evil.txt");
    IOException e = assertThrows(IOException.class, () -> LocalSchemaRegistry.unpacked(zip));
    assertTrue(e.getMessage().contains("escapes"), e.getMessage());
  }

  @Test
  void missingRunnerIsReported() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalSchemaRegistry.findRunner(tmp));
    assertTrue(e.getMessage().contains("runner"), e.getMessage());
  }

  /** A {@code sleep 600} standing in for a registry JVM; killed by the caller. */
  private static Process longSleep() throws IOException {
    return new ProcessBuilder("sleep", "600").start();
  }

  @Test
  void stalePidFileOfARegistryStillRunningStopsIt() throws Exception {
    Process stale = longSleep();
    try {
      Path pid = tmp.resolve("apicurio-registry-8081.pid");
      Files.writeString(pid, stale.pid() + "\n");
      LocalSchemaRegistry.stopStale(pid, Path.of("sleep"));
      assertTrue(stale.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the stale process was stopped");
      assertFalse(Files.exists(pid), "the pid file is gone");
    } finally {
      stale.destroyForcibly();
    }
  }

  @Test
  void stalePidFileNamingAnotherProgramLeavesThatProgramAlone() throws Exception {
    Process other = longSleep();
    try {
      Path pid = tmp.resolve("apicurio-registry-8081.pid");
      Files.writeString(pid, other.pid() + "\n");
      LocalSchemaRegistry.stopStale(pid, tmp.resolve("quarkus-app").resolve("quarkus-run.jar"));
      assertTrue(other.isAlive(), "a recycled pid of another program is not killed");
      assertFalse(Files.exists(pid));
    } finally {
      other.destroyForcibly();
    }
  }

  @Test
  void parentWatchStopsTheChildWithinSecondsOfItsStartersSigkill() throws Exception {
    // outer stands for the JVM that starts the registry: it runs the watch shell and is then SIGKILLed
    Process outer = new ProcessBuilder("/bin/sh", "-c", "/bin/sh -c \"$1\" watch sleep 600 & wait", "outer",
        LocalSchemaRegistry.PARENT_WATCH).start();
    ProcessHandle child = null;
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (child == null && System.nanoTime() < deadline) {
        child = outer.descendants().filter(h -> h.info().commandLine().orElse("").endsWith("sleep 600"))
            .findFirst().orElse(null);
        Thread.sleep(50); // polling for the grandchild to appear
      }
      assertTrue(child != null, "the watch started its child");
      outer.destroyForcibly().waitFor();
      ProcessHandle watched = child;
      watched.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertFalse(watched.isAlive(), "the watched child outlived its starter");
    } finally {
      if (child != null) {
        child.destroyForcibly();
      }
      outer.descendants().forEach(ProcessHandle::destroyForcibly);
      outer.destroyForcibly();
    }
  }
}
