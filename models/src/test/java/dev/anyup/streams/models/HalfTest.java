package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfTest {

  @Test
  void everyHalfRoundTripsExactly() {
    for (int h = 0; h < 0x10000; h++) {
      float f = Half.toFloat((short) h);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))));
        continue;
      }
      assertEquals((short) h, Half.fromFloat(f), "half 0x" + Integer.toHexString(h));
    }
  }

  @Test
  void midpointsRoundToEven() {
    for (int h = 0; h < 0x7bff; h++) { // positive finite neighbours
      float lo = Half.toFloat((short) h);
      float hi = Half.toFloat((short) (h + 1));
      float mid = (lo + hi) / 2; // exact in float
      int expected = (h & 1) == 0 ? h : h + 1;
      assertEquals((short) expected, Half.fromFloat(mid), "midpoint above 0x" + Integer.toHexString(h));
      assertEquals((short) h, Half.fromFloat(Math.nextDown(mid)));
      assertEquals((short) (h + 1), Half.fromFloat(Math.nextUp(mid)));
    }
  }

  @Test
  void overflowGoesToInfinityAndTinyToZero() {
    assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(70000f)));
    assertEquals(Float.NEGATIVE_INFINITY, Half.toFloat(Half.fromFloat(-1e9f)));
    assertEquals(0f, Half.toFloat(Half.fromFloat(1e-9f)));
    assertEquals(65504f, Half.toFloat(Half.fromFloat(65519f)));
  }

  @Test
  void fastPathAgreesWithTheGeneralConversionOnRandomFloats() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = 0; i < 2_000_000; i++) {
      int bits = random.nextInt();
      assertEquals(Half.fromFloatSlow(bits), Half.fromFloat(Float.intBitsToFloat(bits)),
          "float bits 0x" + Integer.toHexString(bits));
    }
  }
}
