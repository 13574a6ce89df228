package dev.anyup.streams.serdes;

/** The subject has no such version (error 40402). */
public final class VersionNotFoundException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public VersionNotFoundException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
