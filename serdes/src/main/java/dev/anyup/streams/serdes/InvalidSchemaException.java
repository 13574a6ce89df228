package dev.anyup.streams.serdes;

/** The registry rejected the schema as invalid (error 42201). */
public final class InvalidSchemaException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public InvalidSchemaException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
