package dev.anyup.streams.models;

/** {@link FeatureUpsampler#bilinear()}. */
final class BilinearUpsampler implements FeatureUpsampler {

  static final BilinearUpsampler INSTANCE = new BilinearUpsampler();

  private BilinearUpsampler() {}

  @Override
  public String name() {
    return "bilinear";
  }

  @Override
  public String toString() {
    return "bilinear";
  }

  @Override
  public FeatureMap upsample(FeatureMap f, PreprocessedImage image, int outHeight, int outWidth) {
    if (outHeight <= 0 || outWidth <= 0) {
      throw new IllegalArgumentException("output size must be positive, was " + outWidth + "x" + outHeight);
    }
    return new FeatureMap(f.channels(), outHeight, outWidth,
        ResampleFilter.resize(f.data(), f.channels(), f.height(), f.width(), outHeight, outWidth));
  }
}
