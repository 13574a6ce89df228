package dev.anyup.streams.models;

import java.util.Locale;

/** Which upsampler {@link FeatureExtractor} runs after the encoder. */
public enum UpsamplerKind {
  /** The bundle's ONNX graph (AnyUp contract). */
  ONNX,
  /** Built-in bilinear interpolation of the patch features (no weights). */
  BILINEAR,
  /** Built-in joint bilateral upsampling guided by the image (no weights). */
  JBU;

  /** Parses {@code onnx}, {@code bilinear} or {@code jbu}, case-insensitively. */
  public static UpsamplerKind parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("upsampler must be one of onnx, bilinear, jbu; was null");
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "onnx": return ONNX;
      case "bilinear": return BILINEAR;
      case "jbu": return JBU;
      default: throw new IllegalArgumentException("upsampler must be one of onnx, bilinear, jbu; was '" + value + "'");
    }
  }
}
