package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A serializer and deserializer pair configured together so they share one registry client and its caches. */
abstract class RegistryBackedSerde<T extends IndexedRecord> implements Serde<T> {
  private final SchemaRegistryClient injectedClient;
  private final RegistryBackedSerializer<T> serializer;
  private final RegistryBackedDeserializer<T> deserializer;

  RegistryBackedSerde(SchemaRegistryClient client, RegistryBackedSerializer<T> serializer,
      RegistryBackedDeserializer<T> deserializer) {
    this.injectedClient = client;
    this.serializer = serializer;
    this.deserializer = deserializer;
  }

  @Override
  public final void configure(Map<String, ?> configs, boolean isKey) {
    SchemaRegistryClient client = injectedClient != null ? injectedClient
        : SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(configs));
    serializer.configure(configs, isKey, client);
    deserializer.configure(configs, isKey, client);
  }

  @Override
  public final Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public final Deserializer<T> deserializer() {
    return deserializer;
  }
}
