package dev.anyup.streams.models;

/** A model bundle that cannot be loaded: bad manifest, missing file, wrong hash, or a graph that breaks the contract. */
public class InvalidBundleException extends ModelException {

  private static final long serialVersionUID = 1L;

  public InvalidBundleException(String message) {
    super(message);
  }

  public InvalidBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
