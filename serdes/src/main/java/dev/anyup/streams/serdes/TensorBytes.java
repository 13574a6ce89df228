package dev.anyup.streams.serdes;

import dev.anyup.streams.avro.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Little-endian tensor payload conversions for {@code DenseFeatures.tensor}: float32 and float16 (IEEE 754 half,
 * round-to-nearest-even) encoding, and decoding of any {@link DType} back to floats (INT8 dequantised with its
 * per-channel scales). For consumers and tools; the pipeline's own encoder lives in the models module.
 */
public final class TensorBytes {
  private TensorBytes() {}

  /** {@code values} as little-endian float32. */
  public static byte[] float32(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  /** {@code values} as little-endian float16 (round to nearest even; overflow to infinity). */
  public static byte[] float16(float[] values) {
    byte[] out = new byte[Math.multiplyExact(values.length, 2)];
    for (int i = 0; i < values.length; i++) {
      short h = floatToHalf(values[i]);
      out[2 * i] = (byte) h;
      out[2 * i + 1] = (byte) (h >>> 8);
    }
    return out;
  }

  /**
   * Decodes a tensor payload to floats.
   *
   * @param bytes the payload (position to limit), little-endian; not modified
   * @param dtype element type
   * @param scales per-channel INT8 scales (one per channel, CHW layout); ignored for float types
   * @param channels number of channels C of the [C, H, W] tensor
   * @throws IllegalArgumentException when the byte count or the scales do not fit the dtype and channel count
   */
  public static float[] toFloats(ByteBuffer bytes, DType dtype, List<Float> scales, int channels) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int n = b.remaining();
    return switch (dtype) {
      case FLOAT32 -> {
        requireMultiple(n, 4, dtype);
        float[] out = new float[n / 4];
        b.asFloatBuffer().get(out);
        yield out;
      }
      case FLOAT16 -> {
        requireMultiple(n, 2, dtype);
        float[] out = new float[n / 2];
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(b.getShort());
        }
        yield out;
      }
      case INT8 -> {
        if (channels <= 0 || n % channels != 0) {
          throw new IllegalArgumentException(n + " INT8 bytes do not split into " + channels + " channels");
        }
        if (scales.size() != channels) {
          throw new IllegalArgumentException("INT8 needs one scale per channel: " + scales.size() + " scales for "
              + channels + " channels");
        }
        int plane = n / channels;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = b.get() * scales.get(i / plane);
        }
        yield out;
      }
    };
  }

  private static void requireMultiple(int n, int size, DType dtype) {
    if (n % size != 0) {
      throw new IllegalArgumentException(n + " bytes is not a whole number of " + dtype + " elements");
    }
  }

  /** IEEE 754 binary16 bits of {@code f}, rounded to nearest even. */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift;
      int rem = m & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rem > halfway || (rem == halfway && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++; // a carry into the exponent is the correct result (up to infinity)
    }
    return (short) (sign | half);
  }

  /** The float value of IEEE 754 binary16 bits. */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
