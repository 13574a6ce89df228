package dev.anyup.streams.models;

/**
 * A model-ready image: normalised float CHW planes, plus the transform that produced it.
 *
 * @param chw {@code 3 * height * width} floats, channel-major (R plane, G plane, B plane), normalised with the bundle's mean/std
 * @param height height in pixels
 * @param width width in pixels
 * @param transform how source pixels map to these pixels
 */
public record PreprocessedImage(float[] chw, int height, int width, ImageTransform transform) {

  public PreprocessedImage {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("size must be positive, was " + width + "x" + height);
    }
    if (chw == null || chw.length != 3 * height * width) {
      throw new IllegalArgumentException("chw must hold 3*height*width = " + (3 * height * width)
          + " floats, was " + (chw == null ? "null" : chw.length));
    }
  }
}
