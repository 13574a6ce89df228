package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.ImageRejectedException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The image-level bad-input corpus against the decoder, in milliseconds: every kind ends as an image or as the
 * expected typed rejection, never another exception. {@code BadInputCorpusIT} sends the same corpus (plus Kafka-level
 * kinds) through the running app.
 */
class BadInputCorpusTest {
  private static final ImageDecoder DECODER = ImageDecoder.create(
      new ImageLimits(20 * 1024 * 1024, BadInputCorpus.MAX_PIXELS, 65_535, 65_535));

  @Test
  void everyImageKindDecodesOrIsRejectedWithItsReason() {
    List<BadInputCorpus.Case> cases = BadInputCorpus.images();
    Set<String> kinds = new HashSet<>();
    Map<String, String> wrong = new LinkedHashMap<>();
    for (BadInputCorpus.Case c : cases) {
      assertTrue(kinds.add(c.kind()), "duplicate kind " + c.kind());
      String actual;
      try {
        DecodedImage img = DECODER.decode(c.kind(), c.image());
        actual = null;
        assertTrue(img.width() > 0 && img.height() > 0, c.kind());
      } catch (ImageRejectedException e) {
        actual = e.reason().name();
      }
      if (!java.util.Objects.equals(c.reason(), actual)) {
        wrong.put(c.kind(), "expected " + (c.reason() == null ? "an image" : c.reason()) + " but got "
            + (actual == null ? "an image" : actual));
      }
    }
    assertEquals(Map.of(), wrong, "kinds whose outcome differs");
  }

  @Test
  void exifOrientationsFiveToEightSwapWidthAndHeight() {
    for (BadInputCorpus.Case c : BadInputCorpus.images()) {
      if (c.kind().startsWith("exif-orientation-")) {
        int o = Integer.parseInt(c.kind().substring("exif-orientation-".length()));
        DecodedImage img = DECODER.decode(c.image());
        assertEquals(o >= 5 ? 40 : 60, img.width(), c.kind());
        assertEquals(o >= 5 ? 60 : 40, img.height(), c.kind());
      }
    }
  }
}
