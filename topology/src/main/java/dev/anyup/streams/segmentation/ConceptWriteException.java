package dev.anyup.streams.segmentation;

/**
 * A concept (or its tombstone) that the broker did not acknowledge: the caller must report it as not saved. The
 * message names the concept, the topic and the broker's error.
 */
public final class ConceptWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConceptWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
