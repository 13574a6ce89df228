package dev.anyup.streams.models.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SegmentationScoresTest {

  private static final double EPS = 1e-12;

  /** 4x4, truth: columns 0-1 class 0, 2-3 class 1; prediction: column 0 class 0, 1-3 class 1. */
  private static final int[] TRUTH = {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1};
  private static final int[] SHIFTED = {0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1};

  @Test
  void iouAndPixelAccuracyOfAShiftedEdge() {
    SegmentationScores s = SegmentationScores.of(TRUTH, SHIFTED, 4, 4, 2, 0);
    assertEquals(4, s.confusion(0, 0));
    assertEquals(4, s.confusion(0, 1));
    assertEquals(0, s.confusion(1, 0));
    assertEquals(8, s.confusion(1, 1));
    // class 0: tp 4, truth 8, predicted 4 -> 4 / 8; class 1: tp 8, truth 8, predicted 12 -> 8 / 12
    assertEquals(0.5, s.iou()[0], EPS);
    assertEquals(8.0 / 12, s.iou()[1], EPS);
    assertEquals((0.5 + 8.0 / 12) / 2, s.meanIou(), EPS);
    assertEquals(12.0 / 16, s.pixelAccuracy(), EPS);
  }

  @Test
  void boundaryOneColumnOffIsHalfMatchedAtZeroToleranceAndFullyMatchedAtOne() {
    // truth boundary: columns 1 and 2; predicted boundary: columns 0 and 1; they share column 1
    SegmentationScores strict = SegmentationScores.of(TRUTH, SHIFTED, 4, 4, 2, 0);
    assertEquals(0.5, strict.boundaryPrecision(), EPS);
    assertEquals(0.5, strict.boundaryRecall(), EPS);
    assertEquals(0.5, strict.boundaryF(), EPS);
    SegmentationScores tolerant = SegmentationScores.of(TRUTH, SHIFTED, 4, 4, 2, 1);
    assertEquals(1.0, tolerant.boundaryF(), EPS);
  }

  @Test
  void meanIouCountsAClassOnlyPredictedAndSkipsAClassInNeither() {
    // 2x2, 3 classes: truth all 0, one pixel predicted as class 2, class 1 nowhere
    SegmentationScores s = SegmentationScores.of(new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 2}, 2, 2, 3, 1);
    assertEquals(0.75, s.iou()[0], EPS);
    assertTrue(Double.isNaN(s.iou()[1]));
    assertEquals(0.0, s.iou()[2], EPS);
    assertEquals(0.375, s.meanIou(), EPS);
    // no truth boundary: recall 1; the 3 predicted boundary pixels match nothing: precision 0
    assertEquals(1.0, s.boundaryRecall(), EPS);
    assertEquals(0.0, s.boundaryPrecision(), EPS);
    assertEquals(0.0, s.boundaryF(), EPS);
  }

  @Test
  void scoresOfSeveralImagesComeFromTheSummedConfusionNotTheMeanOfMeans() {
    SegmentationScores a = SegmentationScores.of(new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, 2, 2, 2, 1);
    SegmentationScores b = SegmentationScores.of(new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 0}, 2, 2, 2, 1);
    assertEquals(1.0, a.meanIou(), EPS);
    assertEquals(0.375, b.meanIou(), EPS);
    SegmentationScores sum = SegmentationScores.empty(2).plus(a).plus(b);
    // confusion t0p0 4, t1p1 3, t1p0 1: IoU0 = 4 / 5, IoU1 = 3 / 4
    assertEquals((0.8 + 0.75) / 2, sum.meanIou(), EPS);
    assertEquals(7.0 / 8, sum.pixelAccuracy(), EPS);
  }

  @Test
  void perfectPredictionScoresOneEverywhere() {
    SegmentationScores s = SegmentationScores.of(TRUTH, TRUTH.clone(), 4, 4, 2, 0);
    assertEquals(1.0, s.meanIou(), EPS);
    assertEquals(1.0, s.pixelAccuracy(), EPS);
    assertEquals(1.0, s.boundaryF(), EPS);
  }

  @Test
  void negativeTruthPixelsAreIgnoredInConfusionAndBoundaries() {
    // 4x1: truth 0 0 ignore 1; prediction 0 0 1 1: the ignored pixel is neither counted nor a boundary
    SegmentationScores s = SegmentationScores.of(new int[] {0, 0, -1, 1}, new int[] {0, 0, 1, 1}, 4, 1, 2, 0);
    assertEquals(1.0, s.meanIou(), EPS);
    assertEquals(1.0, s.pixelAccuracy(), EPS);
    assertEquals(0, s.confusion(1, 1) - 1);
    // truth has no boundary pixel (the ignored pixel separates 0 from 1); predicted boundary pixels 1 and 2: pixel 2
    // is ignored, pixel 1 has no truth boundary within 0 px
    assertEquals(1.0, s.boundaryRecall(), EPS);
    assertEquals(0.0, s.boundaryPrecision(), EPS);
  }

  @Test
  void defaultToleranceIsTheBsdsShareOfTheDiagonal() {
    assertEquals(2, SegmentationScores.defaultTolerance(224, 224));
    assertEquals(5, SegmentationScores.defaultTolerance(448, 448));
    assertEquals(1, SegmentationScores.defaultTolerance(4, 4));
  }

  @Test
  void labelOutsideTheClassesIsRejectedWithItsPosition() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SegmentationScores.of(new int[] {0, 3}, new int[] {0, 0}, 2, 1, 2, 1));
    assertEquals("truth label 3 at pixel 1 is outside [0, 2)", e.getMessage());
  }
}
