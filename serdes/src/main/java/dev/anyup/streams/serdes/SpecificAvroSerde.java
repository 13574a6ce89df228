package dev.anyup.streams.serdes;

import org.apache.avro.specific.SpecificRecord;

/**
 * Kafka {@link Serde} for generated Avro records in the Confluent wire format, configured exactly like
 * Confluent's: {@code serde.configure(Map.of("schema.registry.url", url), false)}. Serializer and deserializer
 * share one registry client (and its caches).
 */
public final class SpecificAvroSerde<T extends SpecificRecord> extends RegistryBackedSerde<T> {
  /** Reader class from {@code specific.avro.value.type} or the writer schema's name. */
  public SpecificAvroSerde() {
    this(null, null);
  }

  /** Reads as {@code type}. */
  public SpecificAvroSerde(Class<T> type) {
    this(type, null);
  }

  /** Reads as {@code type} (may be null) through {@code client} (may be null: created from the configuration). */
  public SpecificAvroSerde(Class<T> type, SchemaRegistryClient client) {
    super(client, new SpecificAvroSerializer<>(client), new SpecificAvroDeserializer<>(type, client));
  }
}
