package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.ImageRejectedException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Heap per bad input (issue 10: "heap bounded"): the bytes the decoder allocates for each image-level kind of the
 * bad-input corpus, measured with the JVM's per-thread allocation counter around one decode (after a first pass that
 * loads the classes). The bound is stated per kind: {@value #BASE_BYTES} bytes (the readers' own tables and buffers)
 * plus, for a kind that decodes, {@value #RASTERS} ARGB rasters of the image it decodes to. A kind that claims a huge
 * image (the bombs by header and by data: up to 65000×65000) must be refused within the base, before any raster is
 * allocated; the 60000×60000 bombs alone would need 14 GB. The figures go to
 * {@code target/reliability/heap-per-input.txt} for RELIABILITY.md.
 */
class BadInputHeapTest {
  private static final int RASTERS = 4;
  private static final long BASE_BYTES = 1024 * 1024;
  private static final ImageDecoder DECODER = ImageDecoder.create(
      new ImageLimits(20 * 1024 * 1024, BadInputCorpus.MAX_PIXELS, 65_535, 65_535));

  @Test
  void noBadImageMakesTheDecoderAllocateMoreThanOneMebibytePlusFourRastersOfWhatItDecodesTo() throws IOException {
    List<BadInputCorpus.Case> cases = BadInputCorpus.images();
    for (BadInputCorpus.Case c : cases) {
      decode(c); // warm up: class loading and ImageIO's registry are not the input's cost
    }
    Map<String, Long> allocated = new LinkedHashMap<>();
    Map<String, String> outcome = new LinkedHashMap<>();
    Map<String, Long> bound = new LinkedHashMap<>();
    for (BadInputCorpus.Case c : cases) {
      long before = allocatedByThisThread();
      String o = decode(c);
      allocated.put(c.kind(), allocatedByThisThread() - before);
      outcome.put(c.kind(), o);
      bound.put(c.kind(), BASE_BYTES + RASTERS * 4L * decodedPixels(c));
    }
    List<String> lines = new ArrayList<>();
    allocated.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .forEach(e -> lines.add(String.format("%-36s %12d bytes  %s", e.getKey(), e.getValue(),
            outcome.get(e.getKey()))));
    String text = "allocated by one decode per kind (" + cases.size() + " kinds, largest first; bound " + BASE_BYTES
        + " bytes + " + RASTERS + " x 4 bytes per decoded pixel)\n" + String.join("\n", lines);
    System.out.println("BadInputHeapTest\n" + text);
    Path out = Path.of("target", "reliability");
    Files.createDirectories(out);
    Files.writeString(out.resolve("heap-per-input.txt"), text + "\n");

    Map<String, String> over = new LinkedHashMap<>();
    allocated.forEach((kind, bytes) -> {
      if (bytes > bound.get(kind)) {
        over.put(kind, bytes + " bytes > bound " + bound.get(kind) + " (" + outcome.get(kind) + ")");
      }
    });
    assertEquals(Map.of(), over, "kinds that made the decoder allocate more than their bound");
    long bombs = cases.stream().filter(c -> c.kind().startsWith("bomb-") && c.reason() != null).count();
    assertTrue(bombs >= 7, "the corpus has its bombs by header and by data (" + bombs + ")");
  }

  /** Pixels of the image a kind decodes to; 0 when it is rejected. */
  private static long decodedPixels(BadInputCorpus.Case c) {
    try {
      var img = DECODER.decode(c.kind(), c.image());
      return (long) img.width() * img.height();
    } catch (ImageRejectedException e) {
      return 0;
    }
  }

  private static String decode(BadInputCorpus.Case c) {
    try {
      var img = DECODER.decode(c.kind(), c.image());
      return "image " + img.width() + "x" + img.height();
    } catch (ImageRejectedException e) {
      return e.reason().name();
    }
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }
}
