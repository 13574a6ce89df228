package dev.anyup.streams.models.segmentation;

import dev.anyup.streams.models.FeatureMap;
import java.util.List;

/**
 * A linear classifier over per-pixel features: {@code score_k(p) = bias_k + Σ_c weights[k][c] · x_c(p)}, the label of a
 * pixel is the class with the highest score and its confidence that class's softmax probability. This is the "linear
 * probe" with which the upsampler papers (AnyUp, FeatUp, Upsample Anything) evaluate features: a PyTorch
 * {@code Conv2d(C, K, 1)} or {@code Linear(C, K)} with the same weights computes the same scores.
 *
 * <p>The app runs the same maths inside the upsampler graph where it can; {@link #label(FeatureMap)} is the reference
 * and the path for built-in upsamplers. Files: {@link ProbeFile}.
 */
public final class LinearProbe {

  private final String name;
  private final String version;
  private final List<String> classNames;
  private final int channels;
  private final float[] weights;
  private final float[] bias;

  /**
   * @param weights {@code classNames.size() × channels} values, row-major (one row per class)
   * @param bias {@code classNames.size()} values
   * @throws IllegalArgumentException naming the value that is wrong (sizes, blank names, non-finite numbers)
   */
  public LinearProbe(String name, String version, List<String> classNames, int channels, float[] weights,
      float[] bias) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("probe name must not be blank");
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("probe version must not be blank");
    }
    if (classNames == null || classNames.size() < 2) {
      throw new IllegalArgumentException("a probe needs at least 2 classes but had "
          + (classNames == null ? 0 : classNames.size()));
    }
    if (classNames.size() > 65536) {
      throw new IllegalArgumentException("a probe has at most 65536 classes (16-bit label PNG) but had "
          + classNames.size());
    }
    for (String c : classNames) {
      if (c == null || c.isBlank()) {
        throw new IllegalArgumentException("class names must not be blank: " + classNames);
      }
    }
    if (channels <= 0) {
      throw new IllegalArgumentException("channels must be positive but was " + channels);
    }
    int k = classNames.size();
    if (weights == null || weights.length != (long) k * channels) {
      throw new IllegalArgumentException("weights must hold " + k + "x" + channels + " values but held "
          + (weights == null ? "null" : weights.length));
    }
    if (bias == null || bias.length != k) {
      throw new IllegalArgumentException("bias must hold " + k + " values but held "
          + (bias == null ? "null" : bias.length));
    }
    requireFinite("weights", weights);
    requireFinite("bias", bias);
    this.name = name;
    this.version = version;
    this.classNames = List.copyOf(classNames);
    this.channels = channels;
    this.weights = weights.clone();
    this.bias = bias.clone();
  }

  private static void requireFinite(String what, float[] v) {
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(what + "[" + i + "] is " + v[i] + ": a probe's numbers must be finite");
      }
    }
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  public List<String> classNames() {
    return classNames;
  }

  public int classes() {
    return classNames.size();
  }

  public int channels() {
    return channels;
  }

  /** A copy of the weights, {@code classes × channels} row-major. */
  public float[] weights() {
    return weights.clone();
  }

  /** A copy of the biases. */
  public float[] bias() {
    return bias.clone();
  }

  /**
   * Labels every pixel of {@code features} (which must have {@link #channels()} channels).
   *
   * @param withConfidence whether to compute each pixel's winning softmax probability
   */
  public LabelMap label(FeatureMap features, boolean withConfidence) {
    if (features.channels() != channels) {
      throw new IllegalArgumentException("probe " + name + " needs " + channels + " channels but the features have "
          + features.channels());
    }
    int hw = features.height() * features.width();
    int k = classNames.size();
    float[] x = features.data();
    // scores[k][p], accumulated channel by channel so the inner loop runs over contiguous pixels
    float[][] scores = new float[k][hw];
    for (int cls = 0; cls < k; cls++) {
      float[] s = scores[cls];
      java.util.Arrays.fill(s, bias[cls]);
      int row = cls * channels;
      for (int c = 0; c < channels; c++) {
        float w = weights[row + c];
        int base = c * hw;
        for (int p = 0; p < hw; p++) {
          s[p] += w * x[base + p];
        }
      }
    }
    int[] labels = new int[hw];
    float[] confidence = withConfidence ? new float[hw] : null;
    for (int p = 0; p < hw; p++) {
      int best = 0;
      float top = scores[0][p];
      for (int cls = 1; cls < k; cls++) {
        if (scores[cls][p] > top) {
          top = scores[cls][p];
          best = cls;
        }
      }
      labels[p] = best;
      if (confidence != null) {
        double sum = 0;
        for (int cls = 0; cls < k; cls++) {
          sum += Math.exp(scores[cls][p] - top);
        }
        confidence[p] = (float) (1 / sum);
      }
    }
    return new LabelMap(features.width(), features.height(), labels, confidence, classNames);
  }

  @Override
  public String toString() {
    return "LinearProbe[" + name + " " + version + ", " + classes() + " classes x " + channels + " channels]";
  }
}
