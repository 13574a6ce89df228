package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnisotropicKernelTest {

  @Test
  void expNonPositive_isWithinTwoUlpsOfMathExp() {
    double worst = 0;
    for (int i = 0; i <= 2_000_000; i++) {
      float x = -87.3f * i / 2_000_000f;
      float e = (float) Math.exp(x);
      float mine = AnisotropicKernel.expNonPositive(x);
      worst = Math.max(worst, Math.abs(mine - e) / Math.ulp(e));
    }
    assertTrue(worst <= 2, "worst error " + worst + " ulp");
    assertEquals(1f, AnisotropicKernel.expNonPositive(0f));
    assertEquals(0f, AnisotropicKernel.expNonPositive(-1000f));
    assertEquals(0f, AnisotropicKernel.expNonPositive(Float.NEGATIVE_INFINITY));
  }
}
