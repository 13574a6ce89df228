package dev.anyup.streams.models;

/**
 * {@link FeatureUpsampler#none()}: the patch grid as the encoder made it, for a caller that wants the encoder's own
 * resolution (the cheapest call, and the baseline an upsampler is compared with).
 */
final class NoUpsampler implements FeatureUpsampler {

  static final NoUpsampler INSTANCE = new NoUpsampler();

  private NoUpsampler() {}

  @Override
  public String name() {
    return "none";
  }

  /** Returns {@code features} itself, whatever size is asked for. */
  @Override
  public FeatureMap upsample(FeatureMap features, PreprocessedImage image, int outHeight, int outWidth) {
    return features;
  }

  @Override
  public String toString() {
    return "none";
  }
}
