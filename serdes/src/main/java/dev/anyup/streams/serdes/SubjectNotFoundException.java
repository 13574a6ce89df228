package dev.anyup.streams.serdes;

/** The subject does not exist (error 40401). */
public final class SubjectNotFoundException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  public SubjectNotFoundException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(httpStatus, errorCode, serverMessage, url, cause);
  }
}
