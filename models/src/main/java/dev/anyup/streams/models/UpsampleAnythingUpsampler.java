package dev.anyup.streams.models;

/**
 * {@link FeatureUpsampler#upsampleAnything}: fits an {@link AnisotropicKernel} to each image, then applies it to the
 * features. The guide is the model input de-normalised to [0, 1] colours (upstream fits on {@code uint8 / 255}); when
 * the output size differs from the input, the guide is first resized to it bilinearly. The output must be a whole
 * multiple of the feature grid, the same in both directions (upstream's {@code scale = int(H / h)}).
 *
 * <p>With {@link UpsampleAnythingOptions#warmStart()} enabled this upsampler is stateful: it keeps the last kernel of
 * each source ({@link WarmStartKernels}, thread-safe) and fits a frame of a known source from it. Every other image,
 * and every image with warm start off, is fitted cold from upstream's initial kernel.
 */
final class UpsampleAnythingUpsampler implements FeatureUpsampler {

  private final UpsampleAnythingOptions options;
  private final float[] mean;
  private final float[] std;
  /** Per-source kernels when warm start is on, else {@code null}. */
  private final WarmStartKernels warm;

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
    UpsampleAnythingOptions.WarmStart ws = options.warmStart();
    this.warm = ws.enabled() ? new WarmStartKernels(ws.maxSources(), ws.maxAge().toMillis()) : null;
  }

  UpsampleAnythingOptions options() {
    return options;
  }

  @Override
  public String toString() {
    return options.describe();
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
    return fit(guide, f.height(), f.width(), scale, image).kernel().apply(guide, f, options);
  }

  /** Cold, or from the source's kept kernel when warm start is on and one is fresh; keeps the result. */
  AnisotropicKernel.Fit fit(float[] guide, int h, int w, int scale, PreprocessedImage image) {
    String source = image.source();
    if (warm == null || source == null) {
      return AnisotropicKernel.fit(guide, h, w, scale, null, options, 0f);
    }
    WarmStartKernels.Entry start = warm.start(source, image.captureMillis(), h, w, scale);
    AnisotropicKernel.Fit fit = start == null ? AnisotropicKernel.fit(guide, h, w, scale, null, options, 0f)
        : AnisotropicKernel.fit(guide, h, w, scale, start.kernel(), options, start.loss());
    warm.keep(source, image.captureMillis(), fit);
    return fit;
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
