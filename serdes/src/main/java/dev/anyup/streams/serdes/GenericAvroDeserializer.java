package dev.anyup.streams.serdes;

import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;

/**
 * Kafka deserializer to {@link GenericRecord}s with the writer's own schema; see {@link SpecificAvroDeserializer}
 * for the wire format and the errors.
 */
public final class GenericAvroDeserializer extends RegistryBackedDeserializer<GenericRecord> {
  /** A deserializer that creates its registry client from the configuration. */
  public GenericAvroDeserializer() {
    this(null);
  }

  /** A deserializer that uses {@code client} (shared caches). */
  public GenericAvroDeserializer(SchemaRegistryClient client) {
    super(client);
  }

  @Override
  Function<Schema, DatumReader<GenericRecord>> readers(Map<String, ?> configs, boolean isKey) {
    return AvroReaders::generic;
  }
}
