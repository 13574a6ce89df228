package dev.anyup.streams.models.segmentation;

import java.util.List;

/**
 * One label per pixel of a {@code width × height} map, row-major, with the name of each label value and, optionally,
 * each pixel's confidence.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param labels {@code width * height} label values, each in {@code [0, classNames.size())}
 * @param confidence {@code width * height} values in {@code [0, 1]} (a probe's winning softmax probability, a concept
 *     set's winning cosine similarity clamped to {@code [0, 1]}), or {@code null}
 * @param classNames the name of each label value
 */
public record LabelMap(int width, int height, int[] labels, float[] confidence, List<String> classNames) {

  public LabelMap {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("size must be positive but was " + width + "x" + height);
    }
    if (labels == null || labels.length != (long) width * height) {
      throw new IllegalArgumentException("labels must hold " + ((long) width * height) + " values but held "
          + (labels == null ? "null" : labels.length));
    }
    if (confidence != null && confidence.length != labels.length) {
      throw new IllegalArgumentException("confidence must hold " + labels.length + " values but held "
          + confidence.length);
    }
    if (classNames == null || classNames.isEmpty()) {
      throw new IllegalArgumentException("classNames must not be empty");
    }
    classNames = List.copyOf(classNames);
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classNames.size()) {
        throw new IllegalArgumentException("label " + labels[i] + " at pixel " + i + " is outside [0, "
            + classNames.size() + ")");
      }
    }
  }

  /** The label at column {@code x}, row {@code y}. */
  public int get(int x, int y) {
    return labels[y * width + x];
  }

  /** The number of pixels with each label value; {@code counts()[i]} counts label {@code i}. */
  public long[] counts() {
    long[] c = new long[classNames.size()];
    for (int l : labels) {
      c[l]++;
    }
    return c;
  }
}
