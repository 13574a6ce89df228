package dev.anyup.streams.models;

/**
 * Limits checked by {@link ImageDecoder} before an image is fully decoded, so a hostile or broken
 * record cannot make the decoder allocate an unbounded raster.
 *
 * @param maxEncodedBytes largest accepted encoded size in bytes
 * @param maxPixels largest accepted width × height
 * @param maxWidth largest accepted width in pixels
 * @param maxHeight largest accepted height in pixels
 */
public record ImageLimits(long maxEncodedBytes, long maxPixels, int maxWidth, int maxHeight) {

  public ImageLimits {
    if (maxEncodedBytes <= 0) {
      throw new IllegalArgumentException("maxEncodedBytes must be positive, was " + maxEncodedBytes);
    }
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive, was " + maxPixels);
    }
    if (maxWidth <= 0) {
      throw new IllegalArgumentException("maxWidth must be positive, was " + maxWidth);
    }
    if (maxHeight <= 0) {
      throw new IllegalArgumentException("maxHeight must be positive, was " + maxHeight);
    }
  }

  /** Default largest encoded size: 20 MiB ({@value}); the app's {@code limits.image.max.bytes}. */
  public static final int DEFAULT_MAX_ENCODED_BYTES = 20 * 1024 * 1024;
  /** Default largest width × height: 50,000,000 pixels; the app's {@code limits.image.max.pixels}. */
  public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
  /**
   * Default largest width or height: 65,535 pixels ({@value}), the most a JPEG or GIF can declare; the app's
   * {@code limits.image.max.side}. Memory is bounded by the pixel limit; the side limit only refuses extreme shapes
   * (a 20000×2 strip is accepted).
   */
  public static final int DEFAULT_MAX_SIDE = 65_535;

  /**
   * 20 MiB encoded ({@link #DEFAULT_MAX_ENCODED_BYTES}), 50,000,000 pixels ({@link #DEFAULT_MAX_PIXELS}), at most
   * 65,535 pixels on either side ({@link #DEFAULT_MAX_SIDE}): the same defaults as the app's {@code limits.*} keys.
   */
  public static ImageLimits defaults() {
    return new ImageLimits(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE);
  }
}
