package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UpsampleAnythingUpsamplerTest {

  private static PreprocessedImage image(int side, float[] chw) {
    return new PreprocessedImage(chw, side, side,
        new ImageTransform(side, side, side, side, 1, 1, 0, 0, side, side, 0, 0, side, side, ResizeMode.SQUASH));
  }

  @Test
  void options_badValuesAreRefusedNamingTheValue() {
    UpsampleAnythingOptions d = UpsampleAnythingOptions.defaults();
    assertEquals("steps must be in 1..10000, was 0",
        assertThrows(IllegalArgumentException.class, () -> d.withSteps(0)).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new UpsampleAnythingOptions(51, -0.1, 1e-9, 5100, 8, 0)).getMessage().contains("-0.1"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new UpsampleAnythingOptions(51, 0.1, 1e-9, 5100, 33, 0)).getMessage().contains("radius"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new UpsampleAnythingOptions(51, 0.1, 0.2, 5100, 8, 0)).getMessage().contains("final learning rate"));
  }

  @Test
  void scheduleIsUpstreamsExponentialDecay() {
    UpsampleAnythingOptions d = UpsampleAnythingOptions.defaults();
    assertEquals(0.1, d.rate(0), 0);
    // upstream: 0.1 * ((1e-9 / 1e-1) ** (1 / 5100)) ** 50
    assertEquals(0.1 * Math.pow(Math.pow(1e-8, 1.0 / 5100), 50), d.rate(50), 1e-15);
  }

  @Test
  void refusesOutputSizesThatAreNotOneWholeMultipleOfTheGrid() {
    FeatureUpsampler up = FeatureUpsampler.upsampleAnything(UpsampleAnythingOptions.defaults().withSteps(1),
        new float[3], new float[] {1, 1, 1});
    FeatureMap f = new FeatureMap(2, 4, 4, new float[32]);
    var e = assertThrows(IllegalArgumentException.class, () -> up.upsample(f, image(50, new float[3 * 50 * 50]), 50,
        50));
    assertTrue(e.getMessage().contains("whole multiple"), e.getMessage());
  }

  @Test
  void constantFeaturesStayConstantAndTheGuideIsDenormalised() {
    // any kernel averages: constant features come out constant, whatever the guide
    int s = 28;
    float[] chw = new float[3 * s * s];
    for (int i = 0; i < chw.length; i++) {
      chw[i] = (i % 7) * 0.3f - 1f;
    }
    UpsampleAnythingUpsampler up = new UpsampleAnythingUpsampler(UpsampleAnythingOptions.defaults().withSteps(3),
        new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});
    float[] ones = new float[3 * 2 * 2];
    java.util.Arrays.fill(ones, 0.75f);
    FeatureMap out = up.upsample(new FeatureMap(3, 2, 2, ones), image(s, chw), s, s);
    for (float v : out.data()) {
      assertEquals(0.75f, v, 1e-5f); // float sums of up to 197 weights, in two orders
    }
    float[] guide = up.guide(image(s, chw), s, s);
    assertEquals(chw[0] * 0.2f + 0.5f, guide[0], 0f);
    assertEquals(chw[s * s] * 0.25f + 0.4f, guide[s * s], 0f);
    assertArrayEquals(new int[] {3, s, s}, new int[] {out.channels(), out.height(), out.width()});
    assertEquals("upsample-anything", up.name());
  }
}
