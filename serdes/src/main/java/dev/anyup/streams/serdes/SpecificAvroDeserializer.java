package dev.anyup.streams.serdes;

import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Kafka deserializer for generated Avro records in the Confluent wire format. The writer schema comes from the
 * registry by the id in the payload and is resolved to the reader class's schema, so records written with an
 * older or newer compatible schema read correctly. The reader class is the constructor argument, else
 * {@code specific.avro.value.type} / {@code specific.avro.key.type}, else the generated class named like the
 * writer schema. Null deserializes to null (tombstone); bad payloads throw
 * {@link org.apache.kafka.common.errors.SerializationException} subclasses ({@link WrongMagicByteException},
 * {@link TruncatedPayloadException}, {@link UnknownSchemaIdException}, {@link PayloadMismatchException}).
 * Thread-safe once configured.
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> extends RegistryBackedDeserializer<T> {
  private final Class<T> type;

  /** Reader class from the configuration or the writer schema's name. */
  public SpecificAvroDeserializer() {
    this(null, null);
  }

  /** Reads every payload as {@code type}. */
  public SpecificAvroDeserializer(Class<T> type) {
    this(type, null);
  }

  /** Reads every payload as {@code type} (may be null), using {@code client} (may be null). */
  public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
    super(client);
    this.type = type;
  }

  @Override
  Function<Schema, DatumReader<T>> readers(Map<String, ?> configs, boolean isKey) {
    Class<?> readerType = type != null ? type : AvroReaders.configuredType(configs, isKey);
    return writer -> AvroReaders.specific(writer, readerType);
  }
}
