package dev.anyup.streams.serdes;

import org.apache.avro.specific.SpecificRecord;

/**
 * Kafka serializer for generated Avro records in the Confluent wire format (magic 0, 4-byte big-endian schema id,
 * Avro binary). Configured like Confluent's ({@link SchemaRegistryConfig} keys). The schema id comes from
 * registering the record's schema ({@code auto.register.schemas=true}, the default), else from the subject's latest
 * version ({@code use.latest.version=true}; a record of another compatible schema is converted to it), else from
 * looking the record's schema up; it is resolved once per (topic, schema) and cached. Null serializes to null
 * (tombstone). Encoding failures throw {@link org.apache.kafka.common.errors.SerializationException}; registry
 * failures throw the typed {@link SchemaRegistryException}s. Thread-safe once configured.
 */
public final class SpecificAvroSerializer<T extends SpecificRecord> extends RegistryBackedSerializer<T> {
  /** A serializer that creates its registry client from the configuration. */
  public SpecificAvroSerializer() {
    this(null);
  }

  /** A serializer that uses {@code client} (shared caches); the configuration still supplies the other settings. */
  public SpecificAvroSerializer(SchemaRegistryClient client) {
    super(client, true);
  }
}
