package dev.anyup.streams.serdes;

/**
 * A Schema Registry request failed. Carries the HTTP status, the Confluent error code and the
 * server's message, and the URL that was called. Subclasses name the failure kinds callers act on.
 */
public class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final int errorCode;
  private final String serverMessage;
  private final String url;

  public SchemaRegistryException(int httpStatus, int errorCode, String serverMessage, String url, Throwable cause) {
    super(describe(httpStatus, errorCode, serverMessage, url), cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
    this.url = url;
  }

  private static String describe(int httpStatus, int errorCode, String serverMessage, String url) {
    String status = httpStatus > 0 ? "HTTP " + httpStatus + ", error code " + errorCode : "no response";
    return "Schema Registry " + url + ": " + serverMessage + " (" + status + ")";
  }

  /** HTTP status of the response, or 0 when no response was received. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Confluent error code (e.g. 40401), or the HTTP status when the body carried none. */
  public int errorCode() {
    return errorCode;
  }

  /** The registry's own message (or, without a response, what went wrong). */
  public String serverMessage() {
    return serverMessage;
  }

  /** The URL of the failed request. */
  public String url() {
    return url;
  }
}
