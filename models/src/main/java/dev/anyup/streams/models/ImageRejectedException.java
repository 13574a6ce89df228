package dev.anyup.streams.models;

/** An image that {@link ImageDecoder} refuses; {@link #reason()} says which check failed. */
public class ImageRejectedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why an image was refused. */
  public enum Reason {
    /** The encoded bytes exceed {@link ImageLimits#maxEncodedBytes()}. */
    TOO_MANY_BYTES,
    /** Width × height exceeds {@link ImageLimits#maxPixels()}. */
    TOO_MANY_PIXELS,
    /** Zero, negative, or over-limit width or height. */
    BAD_DIMENSIONS,
    /** No decoder recognises the bytes (or the input is empty). */
    UNSUPPORTED_FORMAT,
    /** The format is recognised but the data is truncated or damaged. */
    CORRUPT
  }

  private final Reason reason;

  public ImageRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
