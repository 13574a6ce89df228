package dev.anyup.streams.models;

/**
 * What the models produce for one image.
 *
 * @param patchFeatures the encoder's patch grid {@code [C, h, w]}
 * @param cls the encoder's global token {@code [C]}, or {@code null} when the encoder has none
 * @param upsampled the upsampled features {@code [C, H', W']}
 */
public record FeatureResult(FeatureMap patchFeatures, float[] cls, FeatureMap upsampled) {

  public FeatureResult {
    if (patchFeatures == null) {
      throw new IllegalArgumentException("patchFeatures must not be null");
    }
    if (upsampled == null) {
      throw new IllegalArgumentException("upsampled must not be null");
    }
  }
}
