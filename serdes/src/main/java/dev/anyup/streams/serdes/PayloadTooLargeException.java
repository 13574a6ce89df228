package dev.anyup.streams.serdes;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A length declared inside the Avro body (a {@code bytes} or {@code string} value, an array or map block) exceeds the
 * deserializer's {@code avro.max.length}; refused before anything of that size is allocated.
 */
public final class PayloadTooLargeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public PayloadTooLargeException(String message, Throwable cause) {
    super(message, cause);
  }
}
