package dev.anyup.streams.topology;

/** A configuration value is missing, malformed or inconsistent; the message names the key and the value. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
