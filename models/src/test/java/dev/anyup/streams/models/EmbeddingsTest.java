package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EmbeddingsTest {

  private static final FeatureMap PATCHES = new FeatureMap(2, 2, 2, new float[] {1, 1, 1, 1, 0, 0, 2, 2});

  @Test
  void globalUsesClsWhenPresent() {
    float[] cls = {3f, 4f};
    float[] g = Embeddings.global(new FeatureResult(PATCHES, cls, PATCHES));
    assertArrayEquals(new float[] {0.6f, 0.8f}, g, 1e-6f);
    assertArrayEquals(new float[] {3f, 4f}, cls, 0f); // input untouched
  }

  @Test
  void globalMeanPoolsWithoutCls() {
    // means: channel 0 = 1, channel 1 = 1 -> (1,1)/sqrt2
    float[] g = Embeddings.global(new FeatureResult(PATCHES, null, PATCHES));
    assertArrayEquals(new float[] {(float) Math.sqrt(0.5), (float) Math.sqrt(0.5)}, g, 1e-6f);
  }

  @Test
  void zeroVectorStaysZero() {
    float[] g = Embeddings.global(new FeatureResult(PATCHES, new float[2], PATCHES));
    assertArrayEquals(new float[2], g, 0f);
  }

  @Test
  void regionsPoolEachCellAndNormalise() {
    float[][] r = Embeddings.regions(PATCHES, 2);
    assertEquals(4, r.length);
    assertArrayEquals(new float[] {1f, 0f}, r[0], 1e-6f); // top-left: (1, 0)
    assertArrayEquals(new float[] {(float) Math.sqrt(0.2), (float) Math.sqrt(0.8)}, r[2], 1e-6f); // bottom-left: (1, 2)
    float[][] one = Embeddings.regions(PATCHES, 1);
    assertArrayEquals(Embeddings.global(new FeatureResult(PATCHES, null, PATCHES)), one[0], 1e-6f);
  }

  @Test
  void regionsRefuseGridLargerThanMap() {
    assertThrows(IllegalArgumentException.class, () -> Embeddings.regions(PATCHES, 3));
    assertThrows(IllegalArgumentException.class, () -> Embeddings.regions(PATCHES, 0));
  }
}
