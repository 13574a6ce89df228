package dev.anyup.streams.models;

/** Element type of an {@link EncodedTensor}. */
public enum DType {
  /** IEEE 754 single precision, 4 bytes little-endian. */
  FLOAT32(4),
  /** IEEE 754 half precision (round to nearest even), 2 bytes little-endian. */
  FLOAT16(2),
  /** Signed 8-bit with a symmetric per-channel scale: value ≈ q * scale[c]. */
  INT8(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }
}
