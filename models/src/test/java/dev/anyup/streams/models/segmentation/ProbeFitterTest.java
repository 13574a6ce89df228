package dev.anyup.streams.models.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.FeatureMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbeFitterTest {

  private static final List<String> CLASSES = List.of("a", "b", "c");

  /**
   * A 32x32 map of 6 channels whose pixels belong to 3 Gaussian clusters (class = (x / 11)), channel offsets of 100
   * and scales of 0.01–10, so a probe only works on raw features if the standardisation is folded back correctly.
   */
  private static FeatureMap clusters(int[] labels, long seed) {
    int side = 32;
    int c = 6;
    Random r = new Random(seed);
    float[][] centres = new float[3][c];
    for (float[] centre : centres) {
      for (int ch = 0; ch < c; ch++) {
        centre[ch] = (float) (4 * r.nextGaussian());
      }
    }
    float[] data = new float[c * side * side];
    for (int p = 0; p < side * side; p++) {
      int cls = (p % side) / 11;
      labels[p] = cls;
      for (int ch = 0; ch < c; ch++) {
        double scale = Math.pow(10, ch % 4 - 2);
        data[ch * side * side + p] = (float) (100 + scale * (centres[cls][ch] + 0.3 * r.nextGaussian()));
      }
    }
    return new FeatureMap(c, side, side, data);
  }

  @Test
  void separableClustersAreFittedToFullAccuracyOnRawFeatures() {
    int[] labels = new int[32 * 32];
    FeatureMap f = clusters(labels, 1);
    ProbeFitter.Fit fit = ProbeFitter.builder().build().fit(List.of(f), List.of(labels), CLASSES, "t", "1");
    assertEquals(1.0, fit.trainingAccuracy(), 0.0);
    int[] got = fit.probe().label(f, false).labels();
    int wrong = 0;
    for (int p = 0; p < got.length; p++) {
      wrong += got[p] == labels[p] ? 0 : 1;
    }
    assertEquals(0, wrong, "pixels mislabelled by the probe applied to the raw features");
  }

  @Test
  void samePixelsAndSeedGiveTheSameProbe() {
    int[] labels = new int[32 * 32];
    FeatureMap f = clusters(labels, 2);
    ProbeFitter fitter = ProbeFitter.builder().maxSamples(500).seed(7).build();
    LinearProbe a = fitter.fit(List.of(f), List.of(labels), CLASSES, "t", "1").probe();
    LinearProbe b = fitter.fit(List.of(f), List.of(labels), CLASSES, "t", "1").probe();
    assertArrayEquals(a.weights(), b.weights(), 0f);
    assertArrayEquals(a.bias(), b.bias(), 0f);
  }

  @Test
  void negativeLabelsAreIgnoredAndSamplingIsCapped() {
    int[] labels = new int[32 * 32];
    FeatureMap f = clusters(labels, 3);
    for (int p = 0; p < labels.length; p += 2) {
      labels[p] = -1;
    }
    ProbeFitter.Fit all = ProbeFitter.builder().build().fit(List.of(f), List.of(labels), CLASSES, "t", "1");
    assertEquals(512, all.samples());
    ProbeFitter.Fit capped = ProbeFitter.builder().maxSamples(100).build()
        .fit(List.of(f), List.of(labels), CLASSES, "t", "1");
    assertEquals(100, capped.samples());
  }

  @Test
  void gradientMatchesCentralDifferences() {
    int n = 50;
    int c = 4;
    int k = 3;
    Random r = new Random(5);
    float[] x = new float[n * c];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        x[i * c + ch] = (float) r.nextGaussian();
      }
      y[i] = r.nextInt(k);
    }
    ProbeFitter.Objective f = new ProbeFitter.Objective(new ProbeFitter.Sample(x, y, n, c), k, 0.1);
    double[] theta = new double[(c + 1) * k];
    for (int i = 0; i < theta.length; i++) {
      theta[i] = r.nextGaussian();
    }
    double[] grad = new double[theta.length];
    f.evaluate(theta, grad);
    double h = 1e-3;
    for (int i = 0; i < theta.length; i++) {
      double[] plus = theta.clone();
      double[] minus = theta.clone();
      plus[i] += h;
      minus[i] -= h;
      double numeric = (f.evaluate(plus, new double[theta.length]) - f.evaluate(minus, new double[theta.length]))
          / (2 * h);
      // the scores are summed in float: 1e-3 absolute covers float rounding over a 2e-3 difference
      assertEquals(numeric, grad[i], 1e-3, "d loss / d theta[" + i + "]");
    }
    assertTrue(java.util.Arrays.stream(grad).map(Math::abs).max().orElse(0) > 1e-2, "gradient is not trivially 0");
  }

  @Test
  void labelAboveTheClassesIsRejected() {
    int[] labels = new int[32 * 32];
    FeatureMap f = clusters(labels, 4);
    labels[10] = 3;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProbeFitter.builder().build().fit(List.of(f), List.of(labels), CLASSES, "t", "1"));
    assertEquals("label 3 at pixel 10 of map 0 is not below 3 classes", e.getMessage());
  }
}
