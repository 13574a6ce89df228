package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void nearestRankOfOneToHundred() {
    double[] values = new double[100];
    for (int i = 0; i < values.length; i++) {
      values[values.length - 1 - i] = i + 1; // unsorted on purpose
    }
    Percentiles p = Percentiles.of(values);
    assertEquals(100, p.count());
    assertEquals(50, p.p50());
    assertEquals(95, p.p95());
    assertEquals(99, p.p99());
    assertEquals(100, p.max());
  }

  @Test
  void singleValueIsEveryPercentile() {
    Percentiles p = Percentiles.of(new double[] {7});
    assertEquals(7, p.p50());
    assertEquals(7, p.p99());
  }

  @Test
  void emptySampleIsNaNNotAnException() {
    assertTrue(Double.isNaN(Percentiles.of(new double[0]).p99()));
  }
}
