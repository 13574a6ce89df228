package dev.anyup.streams.models;

/**
 * Serialises feature maps for the wire: optional channel projection, optional resize to an output resolution, then
 * FLOAT32, FLOAT16 (IEEE half, round to nearest even) or INT8 (symmetric per-channel scale), little-endian.
 * Immutable and thread-safe.
 */
public final class OutputEncoder {

  private final int outputSize;

  private OutputEncoder(int outputSize) {
    this.outputSize = outputSize;
  }

  /** Keeps the map's resolution. */
  public static OutputEncoder create() {
    return new OutputEncoder(0);
  }

  /** Resizes (bilinear) each map to {@code size × size} before encoding; 0 keeps the map's resolution. */
  public static OutputEncoder resizingTo(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("output size must not be negative, was " + size);
    }
    return new OutputEncoder(size);
  }

  /** Encodes {@code map}; {@code projection} may be null. */
  public EncodedTensor encode(FeatureMap map, DType dtype, Projection projection) {
    throw new UnsupportedOperationException("not yet implemented " + outputSize);
  }

  /** Decodes an {@link EncodedTensor} back to floats (the inverse of {@link #encode}, up to quantisation error). */
  public static FeatureMap decode(EncodedTensor tensor) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Bytes an encoded {@code [c,h,w]} tensor of {@code dtype} occupies (excluding scales). */
  public static long encodedSize(int c, int h, int w, DType dtype) {
    if (c <= 0 || h <= 0 || w <= 0) {
      throw new IllegalArgumentException("shape must be positive, was [" + c + "," + h + "," + w + "]");
    }
    return (long) c * h * w * dtype.bytes();
  }
}
