package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer for {@link GenericRecord}s in the Confluent wire format; see {@link SpecificAvroSerializer}. */
public final class GenericAvroSerializer implements Serializer<GenericRecord> {
  private final SchemaRegistryClient injectedClient;
  private volatile AvroRecordSerializer delegate;

  public GenericAvroSerializer() {
    this(null);
  }

  public GenericAvroSerializer(SchemaRegistryClient client) {
    this.injectedClient = client;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey, injectedClient);
  }

  void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient client) {
    SchemaRegistryConfig config = SchemaRegistryConfig.fromMap(configs);
    delegate = new AvroRecordSerializer(client != null ? client : SchemaRegistryClient.create(config), config,
        isKey, false);
  }

  @Override
  public byte[] serialize(String topic, GenericRecord data) {
    return serialize(topic, null, data);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, GenericRecord data) {
    AvroRecordSerializer d = delegate;
    if (d == null) {
      throw new IllegalStateException("GenericAvroSerializer used before configure(); set schema.registry.url");
    }
    return d.serialize(topic, data);
  }
}
