package dev.anyup.streams.models;

/**
 * {@link FeatureUpsampler#nearest()}: every output pixel copies the patch it lies in, the "no upsampling" baseline
 * against which the quality benchmark measures what an upsampler adds.
 */
final class NearestUpsampler implements FeatureUpsampler {

  static final NearestUpsampler INSTANCE = new NearestUpsampler();

  private NearestUpsampler() {}

  @Override
  public String name() {
    return "nearest";
  }

  @Override
  public String toString() {
    return "nearest";
  }

  @Override
  public FeatureMap upsample(FeatureMap f, PreprocessedImage image, int outHeight, int outWidth) {
    if (outHeight <= 0 || outWidth <= 0) {
      throw new IllegalArgumentException("output size must be positive, was " + outWidth + "x" + outHeight);
    }
    int h = f.height();
    int w = f.width();
    // PyTorch's F.interpolate(mode="nearest"): source index floor(dst * in / out)
    int[] srcX = new int[outWidth];
    for (int x = 0; x < outWidth; x++) {
      srcX[x] = (int) ((long) x * w / outWidth);
    }
    float[] in = f.data();
    float[] out = new float[f.channels() * outHeight * outWidth];
    for (int c = 0; c < f.channels(); c++) {
      for (int y = 0; y < outHeight; y++) {
        int srcRow = (c * h + (int) ((long) y * h / outHeight)) * w;
        int dst = (c * outHeight + y) * outWidth;
        for (int x = 0; x < outWidth; x++) {
          out[dst + x] = in[srcRow + srcX[x]];
        }
      }
    }
    return new FeatureMap(f.channels(), outHeight, outWidth, out);
  }
}
