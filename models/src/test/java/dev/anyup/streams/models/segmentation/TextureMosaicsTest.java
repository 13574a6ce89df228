package dev.anyup.streams.models.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextureMosaicsTest {

  private static final TextureMosaics MOSAICS = TextureMosaics.shipped();

  @Test
  void sameSeedAndIndexGiveTheSameMosaicAndAnotherIndexDoesNot() {
    TextureMosaics.Mosaic a = MOSAICS.mosaic(7, 3, 224, 4, 8);
    TextureMosaics.Mosaic b = MOSAICS.mosaic(7, 3, 224, 4, 8);
    assertArrayEquals(a.image().rgb(), b.image().rgb());
    assertArrayEquals(a.labels(), b.labels());
    assertFalse(Arrays.equals(a.labels(), MOSAICS.mosaic(7, 4, 224, 4, 8).labels()));
  }

  @Test
  void fiftyMosaicsEachShowFourToEightOfTheirTexturesAndEveryTextureAppears() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      TextureMosaics.Mosaic m = MOSAICS.mosaic(1, i, 224, 4, 8);
      Set<Integer> present = new HashSet<>();
      for (int l : m.labels()) {
        present.add(l);
      }
      assertTrue(m.textures().size() >= 4 && m.textures().size() <= 8, "mosaic " + i + ": " + m.textures());
      // every seeded region keeps some pixels (measured for series 1: the smallest of 60 mosaics' regions has 382)
      assertEquals(new HashSet<>(m.textures()), present, "mosaic " + i);
      seen.addAll(present);
    }
    assertEquals(MOSAICS.names().size(), seen.size());
  }

  @Test
  void mosaicAt448IsTheSameSceneAsAt224() {
    TextureMosaics.Mosaic small = MOSAICS.mosaic(3, 0, 224, 4, 8);
    TextureMosaics.Mosaic large = MOSAICS.mosaic(3, 0, 448, 4, 8);
    int agree = 0;
    for (int y = 0; y < 224; y++) {
      for (int x = 0; x < 224; x++) {
        agree += small.labels()[y * 224 + x] == large.labels()[(2 * y) * 448 + 2 * x] ? 1 : 0;
      }
    }
    // only pixels within about a pixel of a boundary may differ: 2 % of the image at most
    assertTrue(agree >= 0.98 * 224 * 224, agree + " of " + 224 * 224 + " labels agree");
  }
}
