package dev.anyup.streams.app;

/** The application cannot start: a startup check failed. The message says which and what to change. */
public final class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
