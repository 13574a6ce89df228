package dev.anyup.streams.serdes;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for generated Avro records in the Confluent wire format. The writer schema comes from the
 * registry by the id in the payload and is resolved to the reader class's schema, so records written with an
 * older or newer compatible schema read correctly. The reader class is the constructor argument, else
 * {@code specific.avro.value.type} / {@code specific.avro.key.type}, else the generated class named like the
 * writer schema. Null deserializes to null (tombstone); bad payloads throw
 * {@link org.apache.kafka.common.errors.SerializationException} subclasses ({@link WrongMagicByteException},
 * {@link TruncatedPayloadException}, {@link UnknownSchemaIdException}, {@link PayloadMismatchException}).
 * Thread-safe once configured.
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
  private final Class<T> type;
  private final SchemaRegistryClient injectedClient;
  private volatile AvroRecordDeserializer<T> delegate;

  /** Reader class from the configuration or the writer schema's name. */
  public SpecificAvroDeserializer() {
    this(null, null);
  }

  /** Reads every payload as {@code type}. */
  public SpecificAvroDeserializer(Class<T> type) {
    this(type, null);
  }

  /** Reads every payload as {@code type} (may be null), using {@code client} (may be null). */
  public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
    this.type = type;
    this.injectedClient = client;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    configure(configs, isKey, injectedClient);
  }

  void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient client) {
    SchemaRegistryConfig config = SchemaRegistryConfig.fromMap(configs);
    Class<?> readerType = type != null ? type : AvroReaders.configuredType(configs, isKey);
    delegate = new AvroRecordDeserializer<>(client != null ? client : SchemaRegistryClient.create(config), isKey,
        writer -> AvroReaders.specific(writer, readerType));
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return configured().deserialize(topic, null, data);
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    return configured().deserialize(topic, headers, data);
  }

  @Override
  public T deserialize(String topic, Headers headers, ByteBuffer data) {
    return configured().deserialize(topic, headers, data);
  }

  private AvroRecordDeserializer<T> configured() {
    AvroRecordDeserializer<T> d = delegate;
    if (d == null) {
      throw new IllegalStateException("SpecificAvroDeserializer used before configure(); set schema.registry.url");
    }
    return d;
  }
}
