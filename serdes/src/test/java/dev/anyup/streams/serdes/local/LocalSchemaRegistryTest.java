package dev.anyup.streams.serdes.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
