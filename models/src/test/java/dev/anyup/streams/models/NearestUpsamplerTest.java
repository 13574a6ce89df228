package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NearestUpsamplerTest {

  @Test
  void everyOutputPixelCopiesThePatchItLiesIn() {
    // 2 channels, 2x3 grid: channel 0 = 10*row + col, channel 1 = its negative
    float[] data = {0, 1, 2, 10, 11, 12, -0, -1, -2, -10, -11, -12};
    FeatureMap up = FeatureUpsampler.nearest().upsample(new FeatureMap(2, 2, 3, data), null, 4, 6);
    float[] row0 = {0, 0, 1, 1, 2, 2};
    float[] row3 = {10, 10, 11, 11, 12, 12};
    for (int x = 0; x < 6; x++) {
      assertEquals(row0[x], up.get(0, 0, x), 0f, "row 0 col " + x);
      assertEquals(row0[x], up.get(0, 1, x), 0f, "row 1 col " + x);
      assertEquals(row3[x], up.get(0, 2, x), 0f, "row 2 col " + x);
      assertEquals(row3[x], up.get(0, 3, x), 0f, "row 3 col " + x);
      assertEquals(-row3[x], up.get(1, 3, x), 0f, "channel 1 row 3 col " + x);
    }
  }

  @Test
  void nonIntegerScaleFollowsTorchsFloorRule() {
    // 3 -> 7: source index floor(x * 3 / 7) = 0,0,0,1,1,2,2 (torch.nn.functional.interpolate, mode="nearest")
    FeatureMap up = FeatureUpsampler.nearest().upsample(new FeatureMap(1, 1, 3, new float[] {5, 6, 7}), null, 1, 7);
    assertArrayEquals(new float[] {5, 5, 5, 6, 6, 7, 7}, up.data(), 0f);
  }

  @Test
  void parsesAsAnUpsamplerKind() {
    assertEquals(UpsamplerKind.NEAREST, UpsamplerKind.parse(" Nearest "));
  }
}
