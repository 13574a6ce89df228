package dev.anyup.streams.topology;

/**
 * A record that cannot be processed: names the stage, the image (when known) and the reason; the cause is kept. The
 * processor turns it into a dead letter and goes on.
 */
public final class PipelineFailure extends RuntimeException {
  private final Stage stage;
  private final String reason;

  PipelineFailure(Stage stage, String imageId, String reason, Throwable cause) {
    super("image " + (imageId == null ? "<unknown>" : imageId) + " failed at stage " + stage.label() + ": "
        + (cause == null || cause.getMessage() == null ? reason : cause.getMessage()), cause);
    this.stage = stage;
    this.reason = reason;
  }

  public Stage stage() {
    return stage;
  }

  /** A short, low-cardinality reason (metric tag): e.g. {@code CORRUPT}, {@code null value}, an exception class. */
  public String reason() {
    return reason;
  }

  /** The exception that describes the failure best: the cause if there is one, else this. */
  Throwable rootForHeaders() {
    return getCause() == null ? this : getCause();
  }
}
