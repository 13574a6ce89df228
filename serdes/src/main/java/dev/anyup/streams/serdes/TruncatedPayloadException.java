package dev.anyup.streams.serdes;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The payload is empty, shorter than the 5-byte Confluent header, or shorter than a length declared inside its Avro
 * body (a bytes/string value or collection block that claims more bytes than are left). (A tombstone is a null value,
 * which deserializes to null.)
 */
public final class TruncatedPayloadException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public TruncatedPayloadException(String message) {
    super(message);
  }

  public TruncatedPayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
