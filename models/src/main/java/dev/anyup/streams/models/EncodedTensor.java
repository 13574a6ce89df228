package dev.anyup.streams.models;

/**
 * A feature tensor serialised for the wire.
 *
 * @param dtype element type
 * @param shape {@code [C, H, W]}
 * @param scales per-channel scales for {@link DType#INT8} (value = q * scale), else {@code null}
 * @param projectionId the projection applied to the channels, or {@code null}
 * @param bytes elements in C, H, W order, little-endian
 */
public record EncodedTensor(DType dtype, int[] shape, float[] scales, String projectionId, byte[] bytes) {

  public EncodedTensor {
    if (dtype == null) {
      throw new IllegalArgumentException("dtype must not be null");
    }
    if (shape == null || shape.length != 3) {
      throw new IllegalArgumentException("shape must be [C,H,W]");
    }
    long expected = (long) shape[0] * shape[1] * shape[2] * dtype.bytes();
    if (bytes == null || bytes.length != expected) {
      throw new IllegalArgumentException("bytes must hold " + expected + " bytes, was " + (bytes == null ? "null" : bytes.length));
    }
    if (dtype == DType.INT8 && (scales == null || scales.length != shape[0])) {
      throw new IllegalArgumentException("INT8 needs one scale per channel (" + shape[0] + ")");
    }
  }
}
