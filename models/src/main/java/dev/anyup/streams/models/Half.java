package dev.anyup.streams.models;

/** IEEE 754 binary16 conversions (Java 17 has no {@code Float.floatToFloat16}). */
final class Half {

  private Half() {}

  /** float → half bits, round to nearest even; overflow → ±infinity, NaN stays NaN, subnormals kept. */
  static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int abs = bits & 0x7fffffff;
    // Fast path for floats that land on a normal half (nearly all feature values): rebias the exponent and round to
    // nearest even by adding 0xfff plus the lowest kept bit; a carry into the exponent (or up to infinity) is correct.
    if (abs >= 0x38800000 && abs < 0x47800000) {
      return (short) (((bits >>> 16) & 0x8000) | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13));
    }
    return fromFloatSlow(bits);
  }

  /** The general conversion (every case, branchy); {@link #fromFloat} uses it outside the normal-half range. */
  static short fromFloatSlow(int bits) {
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
        return (short) sign; // too small even for a subnormal: ±0
      }
      int m = mant | 0x800000; // implicit leading one
      int shift = 14 - e;
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1);
      int midpoint = 1 << (shift - 1);
      if (rest > midpoint || (rest == midpoint && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, up to infinity: correct
    }
    return (short) (sign | half);
  }

  /** half bits → float, exact. */
  static float toFloat(short h) {
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
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
