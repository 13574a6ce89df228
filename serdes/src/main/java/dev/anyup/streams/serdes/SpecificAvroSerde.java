package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serde} for generated Avro records in the Confluent wire format, configured exactly like
 * Confluent's: {@code serde.configure(Map.of("schema.registry.url", url), false)}. Serializer and deserializer
 * share one registry client (and its caches).
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final SchemaRegistryClient injectedClient;
  private final SpecificAvroSerializer<T> serializer;
  private final SpecificAvroDeserializer<T> deserializer;

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
    this.injectedClient = client;
    this.serializer = new SpecificAvroSerializer<>(client);
    this.deserializer = new SpecificAvroDeserializer<>(type, client);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    SchemaRegistryClient client = injectedClient != null ? injectedClient
        : SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(configs));
    serializer.configure(configs, isKey, client);
    deserializer.configure(configs, isKey, client);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }
}
