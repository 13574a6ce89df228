package dev.anyup.streams.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Test data builder: a copy of the tiny test bundle (src/test/resources/.../onnx/tiny-bundle, made by
 * make_tiny_bundle.py) in a temp dir, optionally with a tampered manifest or files.
 */
final class TinyBundle {

  static final String RESOURCE = "/dev/anyup/streams/models/onnx/tiny-bundle/manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyBundle() {}

  static Path source() {
    try {
      return Paths.get(TinyBundle.class.getResource(RESOURCE).toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies {@code from} (a bundle dir) into {@code dir} and applies {@code manifestEdit} to its manifest. */
  static Path copy(Path from, Path dir, Consumer<ObjectNode> manifestEdit) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = dir.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
      Path manifest = dir.resolve("manifest.json");
      ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
      manifestEdit.accept(m);
      JSON.writeValue(manifest.toFile(), m);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path copy(Path dir, Consumer<ObjectNode> manifestEdit) {
    return copy(source(), dir, manifestEdit);
  }

  static PreprocessedImage randomInput(int size, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] chw = new float[3 * size * size];
    for (int i = 0; i < chw.length; i++) {
      chw[i] = (float) r.nextGaussian();
    }
    return new PreprocessedImage(chw, size, size,
        new ImageTransform(size, size, size, size, 1, 1, 0, 0, size, size, 0, 0, size, size, ResizeMode.SQUASH));
  }
}
