package dev.anyup.streams.topology;

/**
 * An input record that carries no image: a tombstone (null value) or a value that deserialised to null. Its own type
 * so that the dead letter's {@code anyup.dlq.exception} header names what happened, not a
 * {@code NullPointerException} that reads like a bug in the pipeline.
 */
public final class NoImageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  NoImageException(String message) {
    super(message);
  }
}
