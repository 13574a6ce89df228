package dev.anyup.streams.models.segmentation;

import java.util.Arrays;

/**
 * How well a predicted label map matches the ground truth: the confusion matrix, per-class IoU, mean IoU, pixel
 * accuracy and the boundary F-score. Scores of several images {@link #plus add up} by summing the confusion matrices
 * and boundary counts, so a data set's mIoU is computed from its total confusion matrix (as the upsampler papers'
 * linear-probe numbers are), not as a mean of per-image means.
 *
 * <p><b>Mean IoU</b> averages over the classes that occur in the ground truth or in the prediction (a class that
 * appears in neither says nothing; one that is only predicted scores 0 and counts).
 *
 * <p><b>Boundary F</b> (Martin et al. 2004; Csurka et al. 2013's BF score): a pixel is a boundary pixel when one of its
 * 4-neighbours inside the image has a different label. A predicted boundary pixel is matched when a ground-truth
 * boundary pixel lies within Euclidean distance {@code d}, and vice versa; precision = matched predicted / predicted
 * boundary pixels, recall = matched truth / truth boundary pixels, F = 2PR / (P + R). With no predicted boundary
 * precision is 1, with no truth boundary recall is 1. {@link #defaultTolerance} is the BSDS rule, 0.75 % of the image
 * diagonal: 2 px at 224², 5 px at 448².
 *
 * <p>A negative ground-truth label marks a pixel to ignore (e.g. an unlabelled area of a mask): it is not counted in
 * the confusion matrix, is never a boundary pixel, and does not make its neighbours boundary pixels.
 *
 * <p>Immutable.
 */
public final class SegmentationScores {

  private final int classes;
  /** {@code confusion[t * classes + p]}: pixels of true class t predicted as p. */
  private final long[] confusion;
  private final long predictedBoundary;
  private final long matchedPredicted;
  private final long truthBoundary;
  private final long matchedTruth;

  private SegmentationScores(int classes, long[] confusion, long predictedBoundary, long matchedPredicted,
      long truthBoundary, long matchedTruth) {
    this.classes = classes;
    this.confusion = confusion;
    this.predictedBoundary = predictedBoundary;
    this.matchedPredicted = matchedPredicted;
    this.truthBoundary = truthBoundary;
    this.matchedTruth = matchedTruth;
  }

  /** Scores with nothing counted yet, the identity of {@link #plus}. */
  public static SegmentationScores empty(int classes) {
    requireClasses(classes);
    return new SegmentationScores(classes, new long[classes * classes], 0, 0, 0, 0);
  }

  /** 0.75 % of the diagonal, rounded, at least 1 pixel: 2 at 224×224, 5 at 448×448. */
  public static int defaultTolerance(int width, int height) {
    return Math.max(1, (int) Math.round(0.0075 * Math.hypot(width, height)));
  }

  /**
   * Scores one image.
   *
   * @param truth ground-truth labels, {@code width * height} values in {@code [0, classes)} or negative (ignored),
   *     row-major
   * @param predicted predicted labels, same layout
   * @param tolerance boundary match distance {@code d} in pixels, not negative
   * @throws IllegalArgumentException naming the size or label that is wrong
   */
  public static SegmentationScores of(int[] truth, int[] predicted, int width, int height, int classes,
      int tolerance) {
    requireClasses(classes);
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("size must be positive but was " + width + "x" + height);
    }
    int n = width * height;
    if (truth == null || truth.length != n) {
      throw new IllegalArgumentException("truth must hold " + n + " labels but held "
          + (truth == null ? "null" : truth.length));
    }
    if (predicted == null || predicted.length != n) {
      throw new IllegalArgumentException("predicted must hold " + n + " labels but held "
          + (predicted == null ? "null" : predicted.length));
    }
    if (tolerance < 0) {
      throw new IllegalArgumentException("boundary tolerance must not be negative but was " + tolerance);
    }
    long[] confusion = new long[classes * classes];
    for (int i = 0; i < n; i++) {
      int t = truth[i];
      int p = predicted[i];
      if (t >= classes) {
        throw new IllegalArgumentException("truth label " + t + " at pixel " + i + " is outside [0, " + classes + ")");
      }
      if (p < 0 || p >= classes) {
        throw new IllegalArgumentException("predicted label " + p + " at pixel " + i + " is outside [0, " + classes
            + ")");
      }
      if (t >= 0) {
        confusion[t * classes + p]++;
      }
    }
    boolean[] tb = boundary(truth, width, height);
    boolean[] pb = boundary(predicted, width, height);
    boolean[] nearTruth = dilate(tb, width, height, tolerance);
    boolean[] nearPredicted = dilate(pb, width, height, tolerance);
    long pCount = 0;
    long pMatched = 0;
    long tCount = 0;
    long tMatched = 0;
    for (int i = 0; i < n; i++) {
      if (truth[i] < 0) {
        continue;
      }
      if (pb[i]) {
        pCount++;
        if (nearTruth[i]) {
          pMatched++;
        }
      }
      if (tb[i]) {
        tCount++;
        if (nearPredicted[i]) {
          tMatched++;
        }
      }
    }
    return new SegmentationScores(classes, confusion, pCount, pMatched, tCount, tMatched);
  }

  /** These scores and {@code other}'s counted together. */
  public SegmentationScores plus(SegmentationScores other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("cannot add scores over " + other.classes + " classes to scores over "
          + classes);
    }
    long[] sum = confusion.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.confusion[i];
    }
    return new SegmentationScores(classes, sum, predictedBoundary + other.predictedBoundary,
        matchedPredicted + other.matchedPredicted, truthBoundary + other.truthBoundary,
        matchedTruth + other.matchedTruth);
  }

  public int classes() {
    return classes;
  }

  /** Pixels of true class {@code truth} predicted as {@code predicted}. */
  public long confusion(int truth, int predicted) {
    return confusion[truth * classes + predicted];
  }

  /** Per-class intersection over union; {@code NaN} for a class in neither truth nor prediction. */
  public double[] iou() {
    double[] iou = new double[classes];
    for (int k = 0; k < classes; k++) {
      long tp = confusion[k * classes + k];
      long truthK = 0;
      long predK = 0;
      for (int j = 0; j < classes; j++) {
        truthK += confusion[k * classes + j];
        predK += confusion[j * classes + k];
      }
      long union = truthK + predK - tp;
      iou[k] = union == 0 ? Double.NaN : (double) tp / union;
    }
    return iou;
  }

  /** Mean of {@link #iou()} over the classes present in truth or prediction; {@code NaN} when nothing was counted. */
  public double meanIou() {
    return Arrays.stream(iou()).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
  }

  /** Correctly labelled pixels / all pixels; {@code NaN} when nothing was counted. */
  public double pixelAccuracy() {
    long correct = 0;
    long all = 0;
    for (int t = 0; t < classes; t++) {
      for (int p = 0; p < classes; p++) {
        all += confusion[t * classes + p];
      }
      correct += confusion[t * classes + t];
    }
    return all == 0 ? Double.NaN : (double) correct / all;
  }

  /** Matched predicted boundary pixels / predicted boundary pixels (1 when there are none). */
  public double boundaryPrecision() {
    return predictedBoundary == 0 ? 1 : (double) matchedPredicted / predictedBoundary;
  }

  /** Matched ground-truth boundary pixels / ground-truth boundary pixels (1 when there are none). */
  public double boundaryRecall() {
    return truthBoundary == 0 ? 1 : (double) matchedTruth / truthBoundary;
  }

  /** Harmonic mean of boundary precision and recall (0 when both are 0). */
  public double boundaryF() {
    double p = boundaryPrecision();
    double r = boundaryRecall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "SegmentationScores[mIoU %.4f, pixel acc %.4f, boundary F %.4f]",
        meanIou(), pixelAccuracy(), boundaryF());
  }

  /** Pixels with a 4-neighbour of another label; negative labels (ignored) are never on a boundary. */
  static boolean[] boundary(int[] labels, int width, int height) {
    boolean[] b = new boolean[labels.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        int l = labels[i];
        if (l < 0) {
          continue;
        }
        if (x + 1 < width && labels[i + 1] != l && labels[i + 1] >= 0) {
          b[i] = true;
          b[i + 1] = true;
        }
        if (y + 1 < height && labels[i + width] != l && labels[i + width] >= 0) {
          b[i] = true;
          b[i + width] = true;
        }
      }
    }
    return b;
  }

  /** Pixels within Euclidean distance {@code d} of a set pixel. */
  private static boolean[] dilate(boolean[] set, int width, int height, int d) {
    boolean[] out = new boolean[set.length];
    int d2 = d * d;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (!set[y * width + x]) {
          continue;
        }
        for (int dy = -d; dy <= d; dy++) {
          int yy = y + dy;
          if (yy < 0 || yy >= height) {
            continue;
          }
          for (int dx = -d; dx <= d; dx++) {
            int xx = x + dx;
            if (xx >= 0 && xx < width && dx * dx + dy * dy <= d2) {
              out[yy * width + xx] = true;
            }
          }
        }
      }
    }
    return out;
  }

  private static void requireClasses(int classes) {
    if (classes <= 0 || classes > 65536) {
      throw new IllegalArgumentException("classes must be in [1, 65536] but was " + classes);
    }
  }
}
