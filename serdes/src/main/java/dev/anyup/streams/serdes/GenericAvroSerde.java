package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka {@link Serde} for {@link GenericRecord}s in the Confluent wire format; see {@link SpecificAvroSerde}. */
public final class GenericAvroSerde implements Serde<GenericRecord> {
  private final SchemaRegistryClient injectedClient;
  private final GenericAvroSerializer serializer;
  private final GenericAvroDeserializer deserializer;

  public GenericAvroSerde() {
    this(null);
  }

  public GenericAvroSerde(SchemaRegistryClient client) {
    this.injectedClient = client;
    this.serializer = new GenericAvroSerializer(client);
    this.deserializer = new GenericAvroDeserializer(client);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    SchemaRegistryClient client = injectedClient != null ? injectedClient
        : SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(configs));
    serializer.configure(configs, isKey, client);
    deserializer.configure(configs, isKey, client);
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return deserializer;
  }
}
