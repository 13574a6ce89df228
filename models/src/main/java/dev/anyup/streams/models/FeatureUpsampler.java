package dev.anyup.streams.models;

/**
 * Turns low-resolution patch features into a dense map, optionally guided by the model input image. The built-ins need
 * no weights and work for any channel count and output size. Implementations are thread-safe, and immutable except
 * {@link #upsampleAnything} with warm start on, which keeps a kernel per source ({@link PreprocessedImage#source()}).
 *
 * <p>A bundle runs its own upsampler ({@link InferenceOptions#upsampler()}, the ONNX graph by default); any of these
 * can be chosen per call instead, on the same loaded bundle: {@link FeatureExtractor#run(java.util.List,
 * FeatureUpsampler)}.
 */
public interface FeatureUpsampler {

  /** Short name for lineage, e.g. {@code bilinear}. */
  String name();

  /**
   * Upsamples {@code features} to {@code outHeight × outWidth} ({@link #none()} returns them as they are).
   *
   * @param image the normalised model input the features came from; guides edge-aware upsamplers, ignored by bilinear
   */
  FeatureMap upsample(FeatureMap features, PreprocessedImage image, int outHeight, int outWidth);

  /** Bilinear interpolation ({@code align_corners=False}; antialiased if the output is smaller). */
  static FeatureUpsampler bilinear() {
    return BilinearUpsampler.INSTANCE;
  }

  /** Nearest neighbour: each output pixel copies the patch it lies in (PyTorch's {@code mode="nearest"}). */
  static FeatureUpsampler nearest() {
    return NearestUpsampler.INSTANCE;
  }

  /**
   * No upsampling: the encoder's patch grid as it is ({@code [C, H/p, W/p]}), whatever output size is asked for. With
   * it a {@link FeatureResult#upsampled()} is the same map as {@link FeatureResult#patchFeatures()}.
   */
  static FeatureUpsampler none() {
    return NoUpsampler.INSTANCE;
  }

  /**
   * Joint bilateral upsampling with the default settings (spatial sigma 1.0 feature pixels, range sigma 0.5 in
   * normalised units, radius 2): the ones a bundle loaded with {@link UpsamplerKind#JBU} uses.
   */
  static FeatureUpsampler jointBilateral() {
    return new JointBilateralUpsampler(1.0, 0.5, 2);
  }

  /**
   * Joint bilateral upsampling (Kopf et al., 2007): each output pixel averages the low-resolution features within
   * {@code radius} feature pixels, weighted by spatial distance (Gaussian, {@code sigmaSpatial} in feature pixels) and
   * by the colour difference between the output pixel and the image area under each feature pixel (Gaussian,
   * {@code sigmaRange} in normalised-image units).
   */
  static FeatureUpsampler jointBilateral(double sigmaSpatial, double sigmaRange, int radius) {
    return new JointBilateralUpsampler(sigmaSpatial, sigmaRange, radius);
  }

  /**
   * Upsample Anything (Seo et al., arXiv 2511.16301): per image, an anisotropic Gaussian kernel per feature cell
   * (σx, σy, θ, σr) is fitted with Adam so the image reconstructs itself through it, then applied to the features.
   * Needs no weights; costs {@code options.steps()} passes over the output pixels' neighbour windows per image.
   *
   * @param mean the bundle's normalisation mean, to recover the image's colours from the model input
   * @param std the bundle's normalisation std
   */
  static FeatureUpsampler upsampleAnything(UpsampleAnythingOptions options, float[] mean, float[] std) {
    return new UpsampleAnythingUpsampler(options, mean, std);
  }
}
