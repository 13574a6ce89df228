package dev.anyup.streams.serdes;

/** The schema is incompatible with earlier versions under the subject's compatibility level (HTTP 409). */
public final class IncompatibleSchemaException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public IncompatibleSchemaException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
