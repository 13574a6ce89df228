package dev.anyup.streams.models;

import java.util.Locale;

/** Which upsampler {@link FeatureExtractor} runs after the encoder. */
public enum UpsamplerKind {
  /** The bundle's ONNX graph (AnyUp contract). */
  ONNX,
  /** Built-in bilinear interpolation of the patch features (no weights). */
  BILINEAR,
  /** Built-in joint bilateral upsampling guided by the image (no weights). */
  JBU,
  /** Built-in nearest-neighbour copy of the patch grid: no upsampling, the quality baseline (no weights). */
  NEAREST,
  /**
   * Built-in Upsample Anything: a per-image fitted anisotropic kernel guided by the image (no weights; settings in
   * {@link InferenceOptions#upsampleAnything()}).
   */
  UPSAMPLE_ANYTHING;

  /**
   * Parses {@code onnx}, {@code bilinear}, {@code jbu}, {@code nearest} or {@code upsample-anything},
   * case-insensitively.
   */
  public static UpsamplerKind parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("upsampler must be one of onnx, bilinear, jbu, nearest, upsample-anything; was null");
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "onnx": return ONNX;
      case "bilinear": return BILINEAR;
      case "jbu": return JBU;
      case "nearest": return NEAREST;
      case "upsample-anything": return UPSAMPLE_ANYTHING;
      default: throw new IllegalArgumentException("upsampler must be one of onnx, bilinear, jbu, nearest, upsample-anything; was '" + value + "'");
    }
  }
}
