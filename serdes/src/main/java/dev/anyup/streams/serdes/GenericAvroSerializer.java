package dev.anyup.streams.serdes;

import org.apache.avro.generic.GenericRecord;

/** Kafka serializer for {@link GenericRecord}s in the Confluent wire format; see {@link SpecificAvroSerializer}. */
public final class GenericAvroSerializer extends RegistryBackedSerializer<GenericRecord> {
  /** A serializer that creates its registry client from the configuration. */
  public GenericAvroSerializer() {
    this(null);
  }

  /** A serializer that uses {@code client} (shared caches); the configuration still supplies the other settings. */
  public GenericAvroSerializer(SchemaRegistryClient client) {
    super(client, false);
  }
}
