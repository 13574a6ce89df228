package dev.anyup.streams.models.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.Npy;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library guide's example runs as printed: docs/models-library.md quotes this package's
 * {@link FolderFeaturesExample} word for word, and the program computes features for a folder of three images with
 * the default bundle.
 */
class FolderFeaturesExampleTest {

  private static final Path SOURCE =
      Path.of("src/test/java/dev/anyup/streams/models/examples/FolderFeaturesExample.java");
  private static final Path GUIDE = Path.of("../docs/models-library.md");
  private static final List<String> IMAGES = List.of("astronaut.jpg", "chelsea.png", "coffee.png");
  private static final Pattern LINE =
      Pattern.compile("(\\S+) (\\S+) +(\\d+)x(\\d+), (\\d+\\.\\d)% of pixels like the centre");

  @Test
  void theGuideQuotesTheExampleWordForWord() throws Exception {
    String source = Files.readString(SOURCE);
    String guide = Files.readString(GUIDE);
    assertTrue(guide.contains("```java\n" + source + "```\n"),
        "docs/models-library.md must quote " + SOURCE + " whole, in a ```java block: copy it there again");
  }

  @Test
  void runsOnAFolderOfImages(@TempDir Path tmp) throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    for (String name : IMAGES) {
      try (InputStream s = FolderFeaturesExampleTest.class.getResourceAsStream("/images/" + name)) {
        Files.write(in.resolve(name), s.readAllBytes());
      }
    }
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    FolderFeaturesExample.run(in, out, new PrintStream(printed, true, StandardCharsets.UTF_8));
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(IMAGES.size() * 5, lines.size(), String.join("\n", lines));
    for (int i = 0; i < IMAGES.size(); i++) {
      String image = IMAGES.get(i);
      List<String> upsamplers = List.of("anyup-standin", "none", "bilinear", "jbu");
      for (int u = 0; u < upsamplers.size(); u++) {
        Matcher m = LINE.matcher(lines.get(i * 5 + u));
        assertTrue(m.matches(), lines.get(i * 5 + u));
        assertEquals(image, m.group(1));
        assertEquals(upsamplers.get(u), m.group(2));
        int side = upsamplers.get(u).equals("none") ? 16 : 224;
        assertEquals(side + "x" + side, m.group(3) + "x" + m.group(4));
        double share = Double.parseDouble(m.group(5));
        assertTrue(share > 0 && share <= 100, "the clicked pixel is like itself: " + lines.get(i * 5 + u));
      }
      String labels = lines.get(i * 5 + 4);
      assertTrue(labels.matches(Pattern.quote(image) + " labels: \\d+ of 50176 pixels are 'centre'"), labels);
      Npy features = Npy.read(out.resolve(image + ".npy"));
      assertArrayEquals(new int[] {32, 224, 224}, features.shape());
    }
    // the concept comes from the first image's pixels like its centre, so it labels some of them
    assertTrue(!lines.get(4).startsWith(IMAGES.get(0) + " labels: 0 "), lines.get(4));
  }
}
