package dev.anyup.streams.models.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.InvalidBundleException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing manifest and an unreadable one are told apart, the latter with its path, mode and owner. */
class ManifestReadingTest {
  @TempDir Path tmp;

  @Test
  void aMissingManifestIsSaidToBeMissing() {
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> OnnxModelBundle.readManifest(tmp));
    assertTrue(e.getMessage().endsWith("has no manifest.json"), e.getMessage());
  }

  @Test
  void aManifestThatIsNotAFileIsNotCalledMissing() throws IOException {
    Files.createDirectory(tmp.resolve("manifest.json"));
    InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> OnnxModelBundle.readManifest(tmp));
    assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
  }

  @Test
  void anUnreadableManifestNamesItsPathModeAndOwner() throws IOException {
    // the tests may run as root, which reads any file: the message is checked on the error the JDK raises
    Path file = Files.writeString(tmp.resolve("manifest.json"), "{}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    InvalidBundleException e = OnnxModelBundle.unreadable(file, new AccessDeniedException(file.toString()));
    String m = e.getMessage();
    assertTrue(m.contains(file + " exists but cannot be read by this user (mode rw-------, owner "), m);
    assertTrue(m.contains("chmod -R a+rX " + tmp), m);
  }
}
