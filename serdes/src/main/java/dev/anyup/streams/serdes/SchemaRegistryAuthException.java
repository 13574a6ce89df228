package dev.anyup.streams.serdes;

/** The registry refused the credentials (HTTP 401 / error 40101) or the permission (HTTP 403 / 40301). */
public final class SchemaRegistryAuthException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public SchemaRegistryAuthException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
