package dev.anyup.streams.models;

/** {@code exp(-x)} for {@code x >= 0} from a table with linear interpolation (abs error < 1e-6); 0 beyond x = 20. */
final class ExpTable {

  private static final float MAX = 20f;
  private static final int SIZE = 8192;
  private static final float STEP = MAX / SIZE;
  private static final float[] TABLE = new float[SIZE + 2];

  static {
    for (int i = 0; i < TABLE.length; i++) {
      TABLE[i] = (float) Math.exp(-i * (double) STEP);
    }
  }

  private ExpTable() {}

  static float expNeg(float x) {
    if (!(x < MAX)) {
      return 0f;
    }
    float pos = x / STEP;
    int i = (int) pos;
    float frac = pos - i;
    return TABLE[i] + (TABLE[i + 1] - TABLE[i]) * frac;
  }
}
