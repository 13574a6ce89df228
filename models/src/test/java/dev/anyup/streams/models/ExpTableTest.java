package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExpTableTest {

  @Test
  void matchesExpWithinOneMillionth() {
    for (float x = 0; x < 25f; x += 0.0007f) {
      double expected = x < 20f ? Math.exp(-x) : 0;
      assertEquals(expected, ExpTable.expNeg(x), 1e-6, "x=" + x);
    }
  }

  @Test
  void nanAndHugeGiveZero() {
    assertEquals(0f, ExpTable.expNeg(Float.NaN));
    assertEquals(0f, ExpTable.expNeg(Float.POSITIVE_INFINITY));
  }
}
