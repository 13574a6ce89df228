package dev.anyup.streams.serdes;

import org.apache.kafka.common.errors.SerializationException;

/** The Avro body does not decode with the writer schema its header names: corrupt, truncated, or followed by trailing bytes. */
public final class PayloadMismatchException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public PayloadMismatchException(String message) {
    super(message);
  }

  public PayloadMismatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
