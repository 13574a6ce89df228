package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Parity with the upstream PyTorch code (seominseok0429/Upsample-Anything_Pytorch at 6a02ae7, run on CPU in float32
 * by models/export/upstream/upsample_anything_reference.py; see docs/upsamplers.md): the fitted kernel parameters,
 * the loss of every step and the upsampled features on small images, committed under
 * src/test/resources/upsample-anything.
 */
class UpsampleAnythingParityTest {

  private static final String DIR = "/upsample-anything/";

  private static Npy read(String name) throws IOException {
    try (InputStream in = UpsampleAnythingParityTest.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IOException("missing fixture " + name);
      }
      return Npy.parse(in.readAllBytes());
    }
  }

  /** Max |a − b| over the arrays. */
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

  private void check(String name, double paramTol, double outTolOfRange) throws IOException {
    Npy guide = read(name + "_guide.npy");
    Npy feat = read(name + "_features.npy");
    float[] expectedOut = read(name + "_out.npy").data();
    float[] params = read(name + "_params.npy").data();
    float[] losses = read(name + "_losses.npy").data();
    int bigH = guide.shape()[1];
    int c = feat.shape()[0];
    int h = feat.shape()[1];
    int w = feat.shape()[2];
    UpsampleAnythingOptions options = UpsampleAnythingOptions.defaults().withSteps(losses.length).withThreads(2);
    AnisotropicKernel.Fit fit = AnisotropicKernel.fit(guide.data(), h, w, bigH / h, null, options, 0f);
    assertEquals(losses.length, fit.steps());
    for (int s = 0; s < losses.length; s++) {
      System.out.printf("step %d loss %.8g vs %.8g%n", s, fit.losses()[s], losses[s]);
      assertEquals(losses[s], fit.losses()[s], 1e-3 * losses[s], "loss of step " + s);
    }
    AnisotropicKernel k = fit.kernel();
    float[][] mine = {k.sxRaw, k.syRaw, k.thRaw, k.srRaw};
    int n = h * w;
    for (int p = 0; p < 4; p++) {
      float[] ref = java.util.Arrays.copyOfRange(params, p * n, (p + 1) * n);
      double d = maxDiff(mine[p], ref);
      System.out.printf("%s param %d max diff %.3g%n", name, p, d);
      assertTrue(d <= paramTol, name + " parameter " + p + " differs by " + d);
    }
    FeatureMap out = k.apply(guide.data(), new FeatureMap(c, h, w, feat.data()), options);
    double d = maxDiff(out.data(), expectedOut);
    double r = range(expectedOut);
    System.out.printf("%s out max diff %.3g of range %.3g (%.3g)%n", name, d, r, d / r);
    assertTrue(d <= outTolOfRange * r, name + " output differs by " + d + " (range " + r + ")");
  }

  /** The apply step alone: upstream's fitted parameters through this kernel give upstream's output. */
  private void checkApply(String name, double outTolOfRange) throws IOException {
    Npy guide = read(name + "_guide.npy");
    Npy feat = read(name + "_features.npy");
    float[] expectedOut = read(name + "_out.npy").data();
    float[] params = read(name + "_params.npy").data();
    int c = feat.shape()[0];
    int h = feat.shape()[1];
    int w = feat.shape()[2];
    int n = h * w;
    AnisotropicKernel k = new AnisotropicKernel(h, w, guide.shape()[1] / h,
        java.util.Arrays.copyOfRange(params, 0, n), java.util.Arrays.copyOfRange(params, n, 2 * n),
        java.util.Arrays.copyOfRange(params, 2 * n, 3 * n), java.util.Arrays.copyOfRange(params, 3 * n, 4 * n));
    FeatureMap out = k.apply(guide.data(), new FeatureMap(c, h, w, feat.data()),
        UpsampleAnythingOptions.defaults().withThreads(2));
    double d = maxDiff(out.data(), expectedOut);
    double r = range(expectedOut);
    System.out.printf("%s apply only: max diff %.3g of range %.3g (%.3g)%n", name, d, r, d / r);
    assertTrue(d <= outTolOfRange * r, name + " output differs by " + d + " (range " + r + ")");
  }

  @Test
  void appliesUpstreamKernelAsUpstreamDoes() throws IOException {
    checkApply("chelsea56", 1e-5);
  }

  @Test
  void matchesUpstreamOn56PixelsWith51Steps() throws IOException {
    check("chelsea56", 0.1, 1e-3);
  }
}
