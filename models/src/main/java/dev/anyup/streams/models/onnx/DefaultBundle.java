package dev.anyup.streams.models.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.models.InvalidBundleException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Extracts the bundle shipped in the models jar to a content-addressed cache directory
 * ({@code <cache>/<name>-<version>-<first 16 hex of sha256(manifest.json)>}), once; concurrent extractions race
 * safely through an atomic rename. Cache root: system property {@code anyup.models.cache}, else
 * {@code ${java.io.tmpdir}/anyup-streams-models}.
 */
final class DefaultBundle {

  static final String RESOURCE_DIR = "/dev/anyup/streams/models/default-bundle/";

  private DefaultBundle() {}

  static Path extract() {
    byte[] manifestBytes = resource("manifest.json");
    JsonNode manifest;
    try {
      manifest = new ObjectMapper().readTree(manifestBytes);
    } catch (IOException e) {
      throw new InvalidBundleException("default bundle manifest is not valid JSON: " + e.getMessage(), e);
    }
    Path root = Paths.get(System.getProperty("anyup.models.cache",
        Paths.get(System.getProperty("java.io.tmpdir"), "anyup-streams-models").toString()));
    String key = manifest.path("name").asText("bundle") + "-" + manifest.path("version").asText("0") + "-"
        + Hashing.sha256Hex(manifestBytes).substring(0, 16);
    Path target = root.resolve(key);
    if (Files.isRegularFile(target.resolve("manifest.json"))) {
      return target;
    }
    try {
      Files.createDirectories(root);
      Path tmp = Files.createTempDirectory(root, key + ".tmp");
      try {
        Files.write(tmp.resolve("manifest.json"), manifestBytes);
        for (String file : referencedFiles(manifest)) {
          Path out = tmp.resolve(file).normalize();
          if (!out.startsWith(tmp)) {
            throw new InvalidBundleException("default bundle file '" + file + "' points outside the bundle");
          }
          Files.createDirectories(out.getParent());
          Files.write(out, resource(file));
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          if (!Files.isRegularFile(target.resolve("manifest.json"))) {
            throw e;
          } // another process won the race; its copy is identical
        } catch (IOException e) {
          if (!Files.isRegularFile(target.resolve("manifest.json"))) {
            throw e;
          }
        }
      } finally {
        deleteRecursively(tmp);
      }
    } catch (IOException e) {
      throw new InvalidBundleException("cannot extract the default bundle to " + target + ": " + e.getMessage(), e);
    }
    return target;
  }

  /** Removes a cached extraction (best effort; a concurrent reader keeps its open files on POSIX). */
  static void discard(Path dir) {
    try {
      deleteRecursively(dir);
    } catch (IOException e) {
      throw new InvalidBundleException("cannot remove the damaged default bundle cache " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Set<String> referencedFiles(JsonNode m) {
    Set<String> files = new LinkedHashSet<>();
    for (String section : new String[] {"encoder", "upsampler"}) {
      for (JsonNode p : m.path(section).path("profiles")) {
        files.add(p.path("file").asText());
      }
    }
    for (JsonNode p : m.path("projections")) {
      files.add(p.path("file").asText());
      if (p.hasNonNull("mean_file")) {
        files.add(p.path("mean_file").asText());
      }
    }
    for (JsonNode r : m.path("references")) {
      for (String k : new String[] {"image", "patch_features", "cls", "upsampled"}) {
        if (r.hasNonNull(k)) {
          files.add(r.path(k).asText());
        }
      }
    }
    files.remove("");
    return files;
  }

  private static byte[] resource(String name) {
    try (InputStream in = DefaultBundle.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new InvalidBundleException("the models jar has no default bundle file " + RESOURCE_DIR + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new InvalidBundleException("cannot read default bundle file " + name + ": " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
