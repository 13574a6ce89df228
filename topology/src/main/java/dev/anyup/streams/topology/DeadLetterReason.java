package dev.anyup.streams.topology;

import dev.anyup.streams.models.ImageRejectedException;
import dev.anyup.streams.serdes.PayloadTooLargeException;
import dev.anyup.streams.serdes.SchemaRegistryException;
import dev.anyup.streams.serdes.TruncatedPayloadException;
import dev.anyup.streams.serdes.UnknownSchemaIdException;
import dev.anyup.streams.serdes.WrongMagicByteException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The fixed vocabulary of dead-letter reasons: each constant is one (stage, code) pair. The code ({@link #code()}) is
 * the value of the {@code anyup.dlq.reason} header and the {@code reason} tag of {@code anyup.dead.letters}; the stage
 * ({@link #stage()}) is {@code anyup.dlq.stage}. The exception class and message go to their own headers, never into
 * the reason. A constant is named {@code <STAGE>_<CODE>}; the table is in topology/README.md and README.md.
 */
public enum DeadLetterReason {
  /** A tombstone, or a value that deserialised to null: there is no image. */
  DESERIALIZE_NULL_VALUE,
  /** The first byte is not the Confluent magic byte 0 (not written by a Confluent-compatible Avro serializer). */
  DESERIALIZE_MAGIC_BYTE,
  /** The schema id in the header is not in the registry. */
  DESERIALIZE_UNKNOWN_SCHEMA,
  /** Empty, shorter than the 5-byte header, or shorter than a length declared inside the Avro body. */
  DESERIALIZE_TRUNCATED,
  /** A length declared inside the Avro body exceeds {@code limits.image.max.bytes}. */
  DESERIALIZE_TOO_LARGE,
  /** The Avro body does not decode with its writer schema (corrupt, trailing bytes, unreadable by our reader). */
  DESERIALIZE_MALFORMED,
  /** The registry could not be asked about the schema (unreachable, refused credentials). */
  DESERIALIZE_REGISTRY_ERROR,
  /** The encoded image exceeds {@code limits.image.max.bytes}. */
  DECODE_TOO_MANY_BYTES,
  /** Width × height exceeds {@code limits.image.max.pixels}. */
  DECODE_TOO_MANY_PIXELS,
  /** Zero or negative size, or a side above {@code limits.image.max.side}. */
  DECODE_BAD_DIMENSIONS,
  /** No decoder recognises the bytes, or there are none. */
  DECODE_UNSUPPORTED_FORMAT,
  /** A known format whose data is truncated or damaged (including a bad PNG chunk CRC). */
  DECODE_CORRUPT,
  /** An unexpected failure while decoding (a decoder bug rather than a bad image). */
  DECODE_ERROR,
  /** Preprocessing (resize, crop, normalise) failed. */
  PREPROCESS_ERROR,
  /** The model run failed for this image (after the batch was retried item by item). */
  INFERENCE_MODEL_ERROR,
  /** No model result within {@code batch.timeout.ms}. */
  INFERENCE_TIMEOUT,
  /** The batcher refused the image or failed otherwise. */
  INFERENCE_ERROR,
  /** Building or serialising an output record failed. */
  ENCODE_ERROR,
  /** An output record would exceed the producer's {@code max.request.size} (checked before anything is sent). */
  PRODUCE_RECORD_TOO_LARGE,
  /** The broker refused an output record (Kafka Streams' production exception handler). */
  PRODUCE_BROKER_REJECTED,
  /** Kafka Streams could not serialise an output record (production exception handler). */
  PRODUCE_SERIALIZATION,
  /** An exception escaped the processor (Kafka Streams' processing exception handler backstop). */
  PROCESS_ERROR,
  /** The instance died twice in a row while processing this record (an OutOfMemoryError, a kill): not tried again. */
  PROCESS_CRASH_LOOP,
  /** The source deserialiser failed (Kafka Streams' deserialization exception handler backstop). */
  SOURCE_DESERIALIZATION;

  private final Stage stage;
  private final String code;

  DeadLetterReason() {
    String name = name();
    Stage found = null;
    for (Stage s : Stage.values()) {
      if (name.startsWith(s.name() + "_")) {
        found = s;
      }
    }
    if (found == null) {
      throw new IllegalStateException("dead-letter reason " + name + " does not start with a stage");
    }
    this.stage = found;
    this.code = name.substring(found.name().length() + 1);
  }

  public Stage stage() {
    return stage;
  }

  /** The value of {@code anyup.dlq.reason}, e.g. {@code TRUNCATED}. */
  public String code() {
    return code;
  }

  /** The reason for a deserialiser failure, by its exception type. */
  static DeadLetterReason ofDeserialization(RuntimeException e) {
    if (e instanceof WrongMagicByteException) {
      return DESERIALIZE_MAGIC_BYTE;
    }
    if (e instanceof UnknownSchemaIdException) {
      return DESERIALIZE_UNKNOWN_SCHEMA;
    }
    if (e instanceof TruncatedPayloadException) {
      return DESERIALIZE_TRUNCATED;
    }
    if (e instanceof PayloadTooLargeException) {
      return DESERIALIZE_TOO_LARGE;
    }
    if (e instanceof SchemaRegistryException) {
      return DESERIALIZE_REGISTRY_ERROR;
    }
    return DESERIALIZE_MALFORMED;
  }

  /** The reason for a decoder rejection. */
  static DeadLetterReason ofRejection(ImageRejectedException e) {
    return switch (e.reason()) {
      case TOO_MANY_BYTES -> DECODE_TOO_MANY_BYTES;
      case TOO_MANY_PIXELS -> DECODE_TOO_MANY_PIXELS;
      case BAD_DIMENSIONS -> DECODE_BAD_DIMENSIONS;
      case UNSUPPORTED_FORMAT -> DECODE_UNSUPPORTED_FORMAT;
      case CORRUPT -> DECODE_CORRUPT;
    };
  }

  /** The reason a production exception handler reports for {@code e}. */
  static DeadLetterReason ofProduction(Exception e) {
    return e instanceof SerializationException ? PRODUCE_SERIALIZATION : PRODUCE_BROKER_REJECTED;
  }
}
