package dev.anyup.streams.models;

/**
 * {@link FeatureUpsampler#upsampleAnything}: fits an {@link AnisotropicKernel} to each image, then applies it to the
 * features. The guide is the model input de-normalised to [0, 1] colours (upstream fits on {@code uint8 / 255}); when
 * the output size differs from the input, the guide is first resized to it bilinearly. The output must be a whole
 * multiple of the feature grid, the same in both directions (upstream's {@code scale = int(H / h)}).
 */
final class UpsampleAnythingUpsampler implements FeatureUpsampler {

  private final UpsampleAnythingOptions options;
  private final float[] mean;
  private final float[] std;

  UpsampleAnythingUpsampler(UpsampleAnythingOptions options, float[] mean, float[] std) {
    if (options == null) {
      throw new IllegalArgumentException("options must not be null");
    }
    if (mean == null || mean.length != 3 || std == null || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 values each");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std values must be positive, was " + s);
      }
    }
    this.options = options;
    this.mean = mean.clone();
    this.std = std.clone();
  }

  UpsampleAnythingOptions options() {
    return options;
  }

  @Override
  public String toString() {
    return "upsample-anything steps=" + options.steps() + " lr=" + options.learningRate() + " final_lr="
        + options.finalLearningRate() + " schedule_steps=" + options.scheduleSteps() + " radius=" + options.radius();
  }

  @Override
  public String name() {
    return "upsample-anything";
  }

  @Override
  public FeatureMap upsample(FeatureMap f, PreprocessedImage image, int outH, int outW) {
    if (image == null) {
      throw new IllegalArgumentException("Upsample Anything needs the guide image");
    }
    int scale = scale(f, outH, outW);
    float[] guide = guide(image, outH, outW);
    AnisotropicKernel.Fit fit = AnisotropicKernel.fit(guide, f.height(), f.width(), scale, null, options, 0f);
    return fit.kernel().apply(guide, f, options);
  }

  /** Upstream's integer scale, refusing sizes it would not handle. */
  static int scale(FeatureMap f, int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException("output size must be positive, was " + outW + "x" + outH);
    }
    if (outH % f.height() != 0 || outW % f.width() != 0 || outH / f.height() != outW / f.width()) {
      throw new IllegalArgumentException("Upsample Anything needs an output size that is the same whole multiple of "
          + "the " + f.width() + "x" + f.height() + " feature grid in both directions, was " + outW + "x" + outH);
    }
    return outH / f.height();
  }

  /** The model input back in [0, 1] colours, at the output size. */
  float[] guide(PreprocessedImage image, int outH, int outW) {
    int plane = image.height() * image.width();
    float[] chw = image.chw();
    float[] rgb = new float[3 * plane];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < plane; i++) {
        rgb[c * plane + i] = chw[c * plane + i] * std[c] + mean[c];
      }
    }
    if (image.height() == outH && image.width() == outW) {
      return rgb;
    }
    return AnisotropicKernel.bilinear(rgb, 3, image.height(), image.width(), outH, outW);
  }
}
