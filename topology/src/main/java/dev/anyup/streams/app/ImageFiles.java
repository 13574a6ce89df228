package dev.anyup.streams.app;

import dev.anyup.streams.avro.ImageEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Image files as {@link ImageEvent}s: content type from the extension, image id from the file name. */
final class ImageFiles {
  private static final Map<String, String> TYPES = Map.of("jpg", "image/jpeg", "jpeg", "image/jpeg",
      "png", "image/png", "bmp", "image/bmp", "gif", "image/gif", "webp", "image/webp");

  private static final String KNOWN = String.join(", ", new TreeSet<>(TYPES.keySet()));

  private ImageFiles() {}

  /** A file of the folder that is not published, and why. */
  record Skipped(Path file, String why) {}

  /** What {@link #scan} found: the image files to publish and every other entry with the reason it is skipped. */
  record Listing(List<Path> images, List<Skipped> skipped) {
    /** Prints one line per skipped entry, then a count, to {@code err}; nothing when nothing was skipped. */
    void reportSkipped(PrintStream err) {
      for (Skipped s : skipped) {
        err.println("skipped " + s.file() + ": " + s.why());
      }
      if (!skipped.isEmpty()) {
        err.println("skipped " + skipped.size() + " of " + (skipped.size() + images.size()) + " entries in "
            + (images.isEmpty() ? skipped.get(0).file().getParent() : images.get(0).getParent()));
      }
    }
  }

  /**
   * The entries directly inside {@code dir}, sorted by name: readable regular files with a known image extension are
   * images; everything else (folders, unknown or missing extensions, unreadable files) is skipped with its reason,
   * so nothing is left out silently.
   */
  static Listing scan(Path dir) {
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list images in " + dir, e);
    }
    List<Path> images = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    for (Path p : entries) {
      String ext = extension(p);
      if (Files.isDirectory(p)) {
        skipped.add(new Skipped(p, "a folder (folders are not searched)"));
      } else if (!Files.isRegularFile(p)) {
        skipped.add(new Skipped(p, "not a regular file"));
      } else if (ext.isEmpty()) {
        skipped.add(new Skipped(p, "no file extension (known: " + KNOWN + ")"));
      } else if (!TYPES.containsKey(ext)) {
        skipped.add(new Skipped(p, "unknown extension '." + ext + "' (known: " + KNOWN + ")"));
      } else if (!Files.isReadable(p)) {
        skipped.add(new Skipped(p, "not readable"));
      } else {
        images.add(p);
      }
    }
    return new Listing(List.copyOf(images), List.copyOf(skipped));
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
