package dev.anyup.streams.models;

import dev.anyup.streams.models.segmentation.LabelMap;

/**
 * What the models produce for one image.
 *
 * @param patchFeatures the encoder's patch grid {@code [C, h, w]}
 * @param cls the encoder's global token {@code [C]}, or {@code null} when the encoder has none
 * @param upsampled the upsampled features {@code [C, H', W']} (with {@link FeatureUpsampler#none()} the patch grid
 *     itself); {@code null} only when {@code dense} or {@code labels}
 *     is there and the extractor was told not to copy the 32-bit map out ({@link OutputHead#keepUpsampled()})
 * @param dense the dense output as the graph's {@link OutputHead} made it (projected and/or float16; FLOAT32 when it
 *     only projects), or {@code null} when no head ran
 * @param labels the segmentation probe's label map at the upsampled map's size (with confidence when asked for), or
 *     {@code null} when no probe was asked for ({@link InferenceOptions#probe()})
 */
public record FeatureResult(FeatureMap patchFeatures, float[] cls, FeatureMap upsampled, EncodedTensor dense,
    LabelMap labels) {

  public FeatureResult {
    if (patchFeatures == null) {
      throw new IllegalArgumentException("patchFeatures must not be null");
    }
    if (upsampled == null && dense == null && labels == null) {
      throw new IllegalArgumentException("upsampled must not be null when there is neither a dense output nor labels");
    }
  }

  /** A result without a label map. */
  public FeatureResult(FeatureMap patchFeatures, float[] cls, FeatureMap upsampled, EncodedTensor dense) {
    this(patchFeatures, cls, upsampled, dense, null);
  }

  /** A result without an output head's dense tensor or a label map. */
  public FeatureResult(FeatureMap patchFeatures, float[] cls, FeatureMap upsampled) {
    this(patchFeatures, cls, upsampled, null, null);
  }
}
