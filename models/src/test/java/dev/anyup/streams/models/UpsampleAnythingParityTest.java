package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Parity with the upstream PyTorch code (seominseok0429/Upsample-Anything_Pytorch at 6a02ae7, run on CPU in float32,
 * autocast off, by models/export/upstream/upsample_anything_reference.py; docs/upsamplers.md) on a 56×56 photo crop
 * (4×4 cells of 14 px, 16 seeded feature channels), fixtures under src/test/resources/upsample-anything.
 *
 * <p>Three facts are pinned. The apply step is exact (upstream's fitted parameters through this kernel). A short fit
 * (5 steps) is exact. The full 51-step fit is as close to upstream's as upstream's own float32 run is to the same
 * code run in float64: Adam normalises each gradient by its running magnitude, so rounding differences of 1e-7
 * grow about twofold per step once the loss flattens; the fixture {@code chelsea56_s51_f64_out.npy} measures that
 * spread, and this implementation must stay within a small multiple of it.
 */
class UpsampleAnythingParityTest {

  private static final String DIR = "/upsample-anything/";

  private static float[] read(String name) throws IOException {
    return npy(name).data();
  }

  private static Npy npy(String name) throws IOException {
    try (InputStream in = UpsampleAnythingParityTest.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IOException("missing fixture " + name);
      }
      return Npy.parse(in.readAllBytes());
    }
  }

  static double maxDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "length");
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  static double range(float[] a) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float v : a) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi - lo;
  }

  private static final int SIZE = 56;
  private static final int CELLS = 4;

  private static float[] guide() throws IOException {
    return read("chelsea56_guide.npy");
  }

  private static FeatureMap features() throws IOException {
    return new FeatureMap(16, CELLS, CELLS, read("chelsea56_features.npy"));
  }

  private static UpsampleAnythingOptions options(int steps) {
    return UpsampleAnythingOptions.defaults().withSteps(steps).withThreads(2);
  }

  private static AnisotropicKernel.Fit fit(int steps) throws IOException {
    return AnisotropicKernel.fit(guide(), CELLS, CELLS, SIZE / CELLS, null, options(steps), 0f);
  }

  @Test
  void appliesUpstreamsFittedKernelAsUpstreamDoes() throws IOException {
    float[] p = read("chelsea56_s51_params.npy");
    int n = CELLS * CELLS;
    AnisotropicKernel k = new AnisotropicKernel(CELLS, CELLS, SIZE / CELLS, Arrays.copyOfRange(p, 0, n),
        Arrays.copyOfRange(p, n, 2 * n), Arrays.copyOfRange(p, 2 * n, 3 * n), Arrays.copyOfRange(p, 3 * n, 4 * n));
    float[] expected = read("chelsea56_s51_out.npy");
    double d = maxDiff(k.apply(guide(), features(), options(51)).data(), expected);
    // measured 1.2e-6 of the range: float32 sums in another order, weights under 2^-24 left out
    assertTrue(d <= 1e-5 * range(expected), "max diff " + d + " of range " + range(expected));
  }

  @Test
  void fiveStepFitMatchesUpstream() throws IOException {
    AnisotropicKernel.Fit fit = fit(5);
    float[] losses = read("chelsea56_s5_losses.npy");
    for (int s = 0; s < 5; s++) {
      assertEquals(losses[s], fit.losses()[s], 1e-5 * losses[s], "loss before step " + s);
    }
    float[] expected = read("chelsea56_s5_out.npy");
    double d = maxDiff(fit.kernel().apply(guide(), features(), options(5)).data(), expected);
    System.out.printf("5 steps: max diff %.3g of range %.3g%n", d, range(expected));
    assertTrue(d <= 1e-3 * range(expected), "max diff " + d + " of range " + range(expected));
  }

  @Test
  void fullFitIsWithinUpstreamsOwnFloat32Spread() throws IOException {
    AnisotropicKernel.Fit fit = fit(51);
    float[] losses = read("chelsea56_s51_losses.npy");
    for (int s = 0; s < 51; s++) {
      assertEquals(losses[s], fit.losses()[s], 1e-3 * losses[s], "loss before step " + s);
    }
    float[] upstream32 = read("chelsea56_s51_out.npy");
    float[] upstream64 = read("chelsea56_s51_f64_out.npy");
    double spread = maxDiff(upstream32, upstream64);
    double d = maxDiff(fit.kernel().apply(guide(), features(), options(51)).data(), upstream32);
    // measured: upstream float32 vs float64 2.8 % of the range; this implementation vs upstream float32 5.7 %
    assertTrue(spread > 1e-3 * range(upstream32), "the fixture's float64 spread is " + spread);
    assertTrue(d <= 3 * spread, "max diff " + d + " against upstream's float32-vs-float64 spread " + spread);
  }

  @Test
  void fitIsTheSameOnOneThreadAndOnThree() throws IOException {
    AnisotropicKernel.Fit a = AnisotropicKernel.fit(guide(), CELLS, CELLS, SIZE / CELLS, null,
        options(10).withThreads(1), 0f);
    AnisotropicKernel.Fit b = AnisotropicKernel.fit(guide(), CELLS, CELLS, SIZE / CELLS, null,
        options(10).withThreads(3), 0f);
    assertEquals(0.0, maxDiff(a.kernel().sxRaw, b.kernel().sxRaw));
    assertEquals(0.0, maxDiff(a.kernel().srRaw, b.kernel().srRaw));
  }
}
