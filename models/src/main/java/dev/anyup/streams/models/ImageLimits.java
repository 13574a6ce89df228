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

  /** 32 MiB encoded, 40 megapixels, at most 16384 pixels on either side. */
  public static ImageLimits defaults() {
    return new ImageLimits(32L * 1024 * 1024, 40_000_000L, 16_384, 16_384);
  }
}
