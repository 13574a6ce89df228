package dev.anyup.streams.serdes;

/** The registry could not be reached, or kept answering 5xx, after the configured retries. */
public final class SchemaRegistryUnavailableException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public SchemaRegistryUnavailableException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
