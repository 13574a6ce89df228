package dev.anyup.streams.serdes;

import org.apache.kafka.common.errors.SerializationException;

/** The payload does not start with the Confluent wire-format magic byte 0 (not written by a Confluent-compatible Avro serializer, or written in another format). */
public final class WrongMagicByteException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public WrongMagicByteException(String message) {
    super(message);
  }

  public WrongMagicByteException(String message, Throwable cause) {
    super(message, cause);
  }
}
