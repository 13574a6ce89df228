package dev.anyup.streams.serdes;

/** No schema with that id, or the schema is not registered under the subject (error 40403). */
public final class SchemaNotFoundException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public SchemaNotFoundException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
