package dev.anyup.streams.serdes;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer to {@link GenericRecord}s with the writer's own schema; see {@link SpecificAvroDeserializer}
 * for the wire format and the errors.
 */
public final class GenericAvroDeserializer implements Deserializer<GenericRecord> {
  private final SchemaRegistryClient injectedClient;
  private volatile AvroRecordDeserializer<GenericRecord> delegate;

  public GenericAvroDeserializer() {
    this(null);
  }

  public GenericAvroDeserializer(SchemaRegistryClient client) {
    this.injectedClient = client;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey, injectedClient);
  }

  void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient client) {
    SchemaRegistryConfig config = SchemaRegistryConfig.fromMap(configs);
    delegate = new AvroRecordDeserializer<>(client != null ? client : SchemaRegistryClient.create(config), isKey,
        AvroReaders::generic);
  }

  @Override
  public GenericRecord deserialize(String topic, byte[] data) {
    return configured().deserialize(topic, null, data);
  }

  @Override
  public GenericRecord deserialize(String topic, Headers headers, byte[] data) {
    return configured().deserialize(topic, headers, data);
  }

  @Override
  public GenericRecord deserialize(String topic, Headers headers, ByteBuffer data) {
    return configured().deserialize(topic, headers, data);
  }

  private AvroRecordDeserializer<GenericRecord> configured() {
    AvroRecordDeserializer<GenericRecord> d = delegate;
    if (d == null) {
      throw new IllegalStateException("GenericAvroDeserializer used before configure(); set schema.registry.url");
    }
    return d;
  }
}
