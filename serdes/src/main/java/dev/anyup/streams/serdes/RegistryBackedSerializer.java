package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/** The configure-then-delegate shell shared by the specific and generic serializers. */
abstract class RegistryBackedSerializer<T extends IndexedRecord> implements Serializer<T> {
  private final SchemaRegistryClient injectedClient;
  private final boolean specific;
  private volatile AvroRecordSerializer delegate;

  RegistryBackedSerializer(SchemaRegistryClient client, boolean specific) {
    this.injectedClient = client;
    this.specific = specific;
  }

  @Override
  public final void configure(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey, injectedClient);
  }

  final void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient client) {
    SchemaRegistryConfig config = SchemaRegistryConfig.fromMap(configs);
    delegate = new AvroRecordSerializer(client != null ? client : SchemaRegistryClient.create(config), config,
        isKey, specific);
  }

  @Override
  public final byte[] serialize(String topic, T data) {
    return configured().serialize(topic, data);
  }

  @Override
  public final byte[] serialize(String topic, Headers headers, T data) {
    return configured().serialize(topic, data);
  }

  private AvroRecordSerializer configured() {
    AvroRecordSerializer d = delegate;
    if (d == null) {
      throw new IllegalStateException(getClass().getSimpleName()
          + " used before configure(); set schema.registry.url");
    }
    return d;
  }
}
