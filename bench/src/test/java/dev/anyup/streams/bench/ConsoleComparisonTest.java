package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConsoleComparisonTest {

  @Test
  void spreadIsTheLargestRelativeDistanceFromTheMean() {
    assertEquals(0.1, ConsoleComparison.spread(new double[] {9, 10, 11}), 1e-12);
    assertEquals(0.0, ConsoleComparison.spread(new double[] {7}), 0.0);
  }

  @Test
  void aCostSmallerThanTheOffRunsOwnSpreadIsWithinNoise() {
    String line = ConsoleComparison.summary("w", new double[] {18, 20, 22}, new double[] {17.6, 19.6, 21.6});
    assertTrue(line.contains("mean 0.980"), line);
    assertTrue(line.contains("spread ±0.100"), line);
    assertTrue(line.endsWith(": within noise"), line);
  }

  @Test
  void aCostLargerThanTheSpreadIsNot() {
    String line = ConsoleComparison.summary("w", new double[] {19.5, 20, 20.5}, new double[] {17, 17, 17});
    assertTrue(line.endsWith("NOT within noise"), line);
  }

  @Test
  void onePairGivesNoNoiseEstimate() {
    assertTrue(ConsoleComparison.summary("w", new double[] {20}, new double[] {20}).endsWith("no noise estimate"));
    assertThrows(IllegalArgumentException.class, () -> ConsoleComparison.summary("w", new double[] {1},
        new double[] {1, 2}));
  }
}
