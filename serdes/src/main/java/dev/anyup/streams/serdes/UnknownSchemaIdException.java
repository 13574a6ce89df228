package dev.anyup.streams.serdes;

import org.apache.kafka.common.errors.SerializationException;

/** The payload names a schema id the registry does not know (wrong registry, or the registry lost its data). */
public final class UnknownSchemaIdException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public UnknownSchemaIdException(String message) {
    super(message);
  }

  public UnknownSchemaIdException(String message, Throwable cause) {
    super(message, cause);
  }
}
