package dev.anyup.streams.models;

/** A failure while loading or running a model; the message names the model (and image index when there is one). */
public class ModelException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
