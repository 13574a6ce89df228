package dev.anyup.streams.app;

import dev.anyup.streams.avro.ImageEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Image files as {@link ImageEvent}s: content type from the extension, image id from the file name. */
final class ImageFiles {
  private static final Map<String, String> TYPES = Map.of("jpg", "image/jpeg", "jpeg", "image/jpeg",
      "png", "image/png", "bmp", "image/bmp", "gif", "image/gif", "webp", "image/webp");

  private ImageFiles() {}

  /** The image files directly inside {@code dir}, sorted by name. */
  static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).filter(p -> TYPES.containsKey(extension(p))).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list images in " + dir, e);
    }
  }

  static String contentType(String fileName) {
    return TYPES.getOrDefault(extension(Path.of(fileName)), "application/octet-stream");
  }

  static ImageEvent event(String imageId, String sourceId, String fileName, byte[] bytes, Instant captured) {
    return ImageEvent.newBuilder()
        .setImageId(imageId)
        .setSourceId(sourceId)
        .setCaptureTimestamp(captured)
        .setContentType(contentType(fileName))
        .setImage(ByteBuffer.wrap(bytes))
        .setAttributes(Map.of("file", fileName))
        .setUri(null)
        .build();
  }

  static ImageEvent read(Path file, String imageId, String sourceId, Instant captured) {
    try {
      return event(imageId, sourceId, file.getFileName().toString(), Files.readAllBytes(file), captured);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + file, e);
    }
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
