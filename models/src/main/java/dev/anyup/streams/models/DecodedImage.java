package dev.anyup.streams.models;

/**
 * A decoded image: interleaved 8-bit RGB, row-major, orientation already applied.
 *
 * <p>A JPEG decoded for a small model input may come at a reduced scale ({@code reduction} 2, 4 or 8: pixel {@code j}
 * covers source pixels {@code [j·k, (j+1)·k)}); {@link Preprocessor} maps it back to the source size, so the recorded
 * transform is the same as for the full decode.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param rgb {@code width * height * 3} bytes, R G B per pixel, rows top to bottom
 * @param format the detected format name in lower case ({@code jpeg}, {@code png}, {@code bmp}, {@code gif}, {@code webp})
 * @param sourceWidth the width of the image at full scale (orientation applied)
 * @param sourceHeight the height of the image at full scale (orientation applied)
 * @param reduction 1 for a full decode, else the JPEG DCT scale denominator (2, 4 or 8)
 */
public record DecodedImage(int width, int height, byte[] rgb, String format, int sourceWidth, int sourceHeight,
    int reduction) {

  /** A full-scale image. */
  public DecodedImage(int width, int height, byte[] rgb, String format) {
    this(width, height, rgb, format, width, height, 1);
  }

  public DecodedImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, was " + width + "x" + height);
    }
    if (rgb == null || rgb.length != width * height * 3) {
      throw new IllegalArgumentException("rgb must hold width*height*3 = " + (width * height * 3)
          + " bytes, was " + (rgb == null ? "null" : rgb.length));
    }
    if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8) {
      throw new IllegalArgumentException("reduction must be 1, 2, 4 or 8, was " + reduction);
    }
    if ((sourceWidth + reduction - 1) / reduction != width || (sourceHeight + reduction - 1) / reduction != height) {
      throw new IllegalArgumentException("a " + width + "x" + height + " image cannot be a 1/" + reduction
          + " scale decode of " + sourceWidth + "x" + sourceHeight);
    }
  }
}
