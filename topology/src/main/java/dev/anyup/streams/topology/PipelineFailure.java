package dev.anyup.streams.topology;

/**
 * A record that cannot be processed: names the reason (and so the stage), the image (when known); the cause is kept.
 * The processor turns it into a dead letter and goes on.
 */
public final class PipelineFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final DeadLetterReason reason;

  PipelineFailure(DeadLetterReason reason, String imageId, Throwable cause) {
    super("image " + (imageId == null ? "<unknown>" : imageId) + " failed at stage " + reason.stage().label() + " ("
        + reason.code() + "): " + (cause == null || cause.getMessage() == null ? reason.code() : cause.getMessage()),
        cause);
    this.reason = reason;
  }

  public Stage stage() {
    return reason.stage();
  }

  /** The reason, one of a fixed set per stage: the {@code anyup.dlq.reason} header and the metric tag. */
  public DeadLetterReason reason() {
    return reason;
  }

  /** The exception that describes the failure best: the cause if there is one, else this. */
  Throwable rootForHeaders() {
    return getCause() == null ? this : getCause();
  }
}
