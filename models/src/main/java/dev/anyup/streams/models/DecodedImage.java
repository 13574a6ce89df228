package dev.anyup.streams.models;

/**
 * A decoded image: interleaved 8-bit RGB, row-major, orientation already applied.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param rgb {@code width * height * 3} bytes, R G B per pixel, rows top to bottom
 * @param format the detected format name in lower case ({@code jpeg}, {@code png}, {@code bmp}, {@code gif}, {@code webp})
 */
public record DecodedImage(int width, int height, byte[] rgb, String format) {

  public DecodedImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, was " + width + "x" + height);
    }
    if (rgb == null || rgb.length != width * height * 3) {
      throw new IllegalArgumentException("rgb must hold width*height*3 = " + (width * height * 3)
          + " bytes, was " + (rgb == null ? "null" : rgb.length));
    }
  }
}
