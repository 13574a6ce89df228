package dev.anyup.streams.models;

/**
 * Turns encoded image bytes (JPEG, PNG, BMP, GIF first frame, WebP) into {@link DecodedImage RGB8}, enforcing
 * {@link ImageLimits} before the full decode. Thread-safe.
 *
 * <p>JPEG EXIF orientation is applied. Alpha is composited on <b>black</b> (the colour a premultiplied image shows
 * where it is transparent). Any decoder warning (truncated or damaged data) is a {@link ImageRejectedException.Reason#CORRUPT}
 * rejection, never a partly decoded image.
 */
public interface ImageDecoder {

  /** A decoder enforcing {@code limits}. */
  static ImageDecoder create(ImageLimits limits) {
    return new ImageIoDecoder(limits, null);
  }

  /**
   * A decoder enforcing {@code limits} whose images are meant for {@code target}: a baseline JPEG much larger than
   * {@code target}'s input is decoded at the largest DCT scale (1/4, 1/8) that still leaves at least the pixels
   * {@code target}'s resize reads (see {@link DecodedImage#reduction()}); every other image as {@link #create(ImageLimits)}
   * does. {@code target} null: always full decoding.
   */
  static ImageDecoder create(ImageLimits limits, Preprocessor target) {
    return new ImageIoDecoder(limits, target);
  }

  /** Decodes {@code encoded}; see {@link #decode(String, byte[])}. */
  default DecodedImage decode(byte[] encoded) {
    return decode(null, encoded);
  }

  /**
   * Decodes {@code encoded}; {@code imageId} (nullable) is quoted in rejection messages.
   *
   * @throws ImageRejectedException when a limit is exceeded, the format is unknown, or the data is damaged
   */
  DecodedImage decode(String imageId, byte[] encoded);
}
