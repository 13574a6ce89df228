package dev.anyup.streams.serdes;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/** The configure-then-delegate shell shared by the specific and generic deserializers. */
abstract class RegistryBackedDeserializer<T> implements Deserializer<T> {
  private final SchemaRegistryClient injectedClient;
  private volatile AvroRecordDeserializer<T> delegate;

  RegistryBackedDeserializer(SchemaRegistryClient client) {
    this.injectedClient = client;
  }

  /** How a datum reader is made for a writer schema, given the configuration. */
  abstract Function<Schema, DatumReader<T>> readers(Map<String, ?> configs, boolean isKey);

  @Override
  public final void configure(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey, injectedClient);
  }

  final void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient client) {
    SchemaRegistryConfig config = SchemaRegistryConfig.fromMap(configs);
    delegate = new AvroRecordDeserializer<>(client != null ? client : SchemaRegistryClient.create(config), isKey,
        readers(configs, isKey), config.avroMaxLength());
  }

  @Override
  public final T deserialize(String topic, byte[] data) {
    return configured().deserialize(topic, null, data);
  }

  @Override
  public final T deserialize(String topic, Headers headers, byte[] data) {
    return configured().deserialize(topic, headers, data);
  }

  @Override
  public final T deserialize(String topic, Headers headers, ByteBuffer data) {
    return configured().deserialize(topic, headers, data);
  }

  private AvroRecordDeserializer<T> configured() {
    AvroRecordDeserializer<T> d = delegate;
    if (d == null) {
      throw new IllegalStateException(getClass().getSimpleName()
          + " used before configure(); set schema.registry.url");
    }
    return d;
  }
}
