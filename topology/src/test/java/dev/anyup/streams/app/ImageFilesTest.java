package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo --images} and {@code produce} list a folder through {@link ImageFiles#scan}; issue 10 item 7. */
class ImageFilesTest {
  @TempDir Path dir;

  @Test
  void reportsEveryEntryItSkipsWithTheReasonInsteadOfSkippingSilently() throws IOException {
    Files.write(dir.resolve("a.png"), new byte[] {1});
    Files.write(dir.resolve("b.JPG"), new byte[] {1});
    Files.write(dir.resolve("c.webp"), new byte[] {1});
    Files.writeString(dir.resolve("notes.txt"), "text");
    Files.write(dir.resolve("scan.tiff"), new byte[] {1});
    Files.write(dir.resolve("README"), new byte[] {1});
    Files.createDirectory(dir.resolve("more.png"));

    ImageFiles.Listing listing = ImageFiles.scan(dir);

    assertEquals(List.of("a.png", "b.JPG", "c.webp"),
        listing.images().stream().map(p -> p.getFileName().toString()).toList());
    Map<String, String> why = listing.skipped().stream()
        .collect(Collectors.toMap(s -> s.file().getFileName().toString(), ImageFiles.Skipped::why));
    assertEquals(4, why.size(), why.toString());
    assertEquals("unknown extension '.txt' (known: bmp, gif, jpeg, jpg, png, webp)", why.get("notes.txt"));
    assertEquals("unknown extension '.tiff' (known: bmp, gif, jpeg, jpg, png, webp)", why.get("scan.tiff"));
    assertEquals("no file extension (known: bmp, gif, jpeg, jpg, png, webp)", why.get("README"));
    assertEquals("a folder (folders are not searched)", why.get("more.png"));

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    listing.reportSkipped(new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("skipped " + dir.resolve("notes.txt") + ": unknown extension '.txt'"), text);
    assertTrue(text.contains("skipped " + dir.resolve("README") + ": no file extension"), text);
    assertTrue(text.contains("skipped 4 of 7 entries in " + dir), text);
  }

  @Test
  void reportsNothingWhenEveryFileIsAnImage() throws IOException {
    Files.write(dir.resolve("a.gif"), new byte[] {1});
    ImageFiles.Listing listing = ImageFiles.scan(dir);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    listing.reportSkipped(new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
    assertEquals(1, listing.images().size());
  }
}
