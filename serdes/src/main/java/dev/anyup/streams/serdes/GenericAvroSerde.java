package dev.anyup.streams.serdes;

import org.apache.avro.generic.GenericRecord;

/** Kafka {@link Serde} for {@link GenericRecord}s in the Confluent wire format; see {@link SpecificAvroSerde}. */
public final class GenericAvroSerde extends RegistryBackedSerde<GenericRecord> {
  /** A serde that creates its registry client from the configuration. */
  public GenericAvroSerde() {
    this(null);
  }

  /** A serde that uses {@code client} (may be null: created from the configuration). */
  public GenericAvroSerde(SchemaRegistryClient client) {
    super(client, new GenericAvroSerializer(client), new GenericAvroDeserializer(client));
  }
}
