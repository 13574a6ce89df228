package dev.anyup.streams.models;

/**
 * A dense feature tensor {@code [channels, height, width]}, channel-major, rows top to bottom.
 *
 * @param channels number of channels
 * @param height height
 * @param width width
 * @param data {@code channels * height * width} floats
 */
public record FeatureMap(int channels, int height, int width, float[] data) {

  public FeatureMap {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("shape must be positive, was [" + channels + "," + height + "," + width + "]");
    }
    if (data == null || (long) channels * height * width != data.length) {
      throw new IllegalArgumentException("data must hold " + ((long) channels * height * width)
          + " floats for shape [" + channels + "," + height + "," + width + "], was "
          + (data == null ? "null" : data.length));
    }
  }

  /** The value at channel {@code c}, row {@code y}, column {@code x}. */
  public float get(int c, int y, int x) {
    return data[(c * height + y) * width + x];
  }
}
