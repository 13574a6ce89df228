package dev.anyup.streams.serdes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.header.Headers;

/**
 * Reads Confluent wire-format payloads: header check, writer schema by id (cached by the client), then the Avro
 * body through a resolving reader cached per writer id (the reader schema is fixed per deserializer, or derived
 * from the writer schema). Reads straight from the Kafka byte array or heap buffer, without copying the payload.
 *
 * <p>Decoding is bounded ({@link BoundedDecoder}): every declared length (bytes, string, array or map block) is checked
 * against {@code maxLength} and against the bytes actually present before anything is allocated for it, so no payload
 * makes the reader allocate more than its own size or {@code maxLength}.
 *
 * <p>Data errors are {@link org.apache.kafka.common.errors.SerializationException} subclasses; registry failures
 * other than an unknown id (unreachable, auth) propagate as {@link SchemaRegistryException}s, because they are not
 * the record's fault.
 */
final class AvroRecordDeserializer<T> {

  private final SchemaRegistryClient client;
  private final boolean isKey;
  private final Function<Schema, DatumReader<T>> readerFactory;
  private final long maxLength;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

  /**
   * @param readerFactory makes the resolving reader for a writer schema
   * @param maxLength the largest declared bytes/string length or collection block count accepted
   */
  AvroRecordDeserializer(SchemaRegistryClient client, boolean isKey, Function<Schema, DatumReader<T>> readerFactory,
      long maxLength) {
    this.client = Objects.requireNonNull(client, "client");
    this.isKey = isKey;
    this.readerFactory = Objects.requireNonNull(readerFactory, "readerFactory");
    this.maxLength = maxLength;
  }

  T deserialize(String topic, Headers headers, byte[] data) {
    return data == null ? null : deserialize(topic, headers, data, 0, data.length);
  }

  T deserialize(String topic, Headers headers, ByteBuffer data) {
    if (data == null) {
      return null;
    }
    if (data.hasArray()) {
      return deserialize(topic, headers, data.array(), data.arrayOffset() + data.position(), data.remaining());
    }
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    return deserialize(topic, headers, copy, 0, copy.length);
  }

  private T deserialize(String topic, Headers headers, byte[] data, int offset, int length) {
    int id = WireFormat.readSchemaId(topic, isKey, headers, data, offset, length);
    DatumReader<T> reader = readers.get(id);
    Schema writer = null;
    if (reader == null) {
      writer = writerSchema(topic, id);
      reader = readerFactory.apply(writer);
      readers.putIfAbsent(id, reader);
    }
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, offset + WireFormat.HEADER_SIZE, length - WireFormat.HEADER_SIZE, null);
    T result;
    try {
      result = reader.read(null, new BoundedDecoder(decoder, maxLength));
    } catch (BoundedDecoder.DeclaredLengthException e) {
      String message = what(topic) + " with writer schema id " + id + " (" + describe(writer, id) + "): "
          + e.getMessage() + "; payload " + WireFormat.hexPrefix(data, offset, length);
      if (e.truncated()) {
        throw new TruncatedPayloadException("truncated " + message, e);
      }
      throw new PayloadTooLargeException(message + " (" + SchemaRegistryConfig.AVRO_MAX_LENGTH + ")", e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
        | ClassCastException e) {
      throw new PayloadMismatchException(what(topic) + " does not decode with writer schema id " + id + " ("
          + describe(writer, id) + "): " + e + "; payload " + WireFormat.hexPrefix(data, offset, length), e);
    }
    try {
      if (!decoder.isEnd()) {
        throw new PayloadMismatchException(what(topic) + " has trailing bytes after a complete record of writer schema id "
            + id + " (" + describe(writer, id) + "): payload " + WireFormat.hexPrefix(data, offset, length)
            + "; wrong schema id, or two payloads concatenated?");
      }
    } catch (IOException e) {
      throw new PayloadMismatchException(what(topic) + ": cannot check for trailing bytes: " + e, e);
    }
    return result;
  }

  private String what(String topic) {
    return (isKey ? "key" : "value") + " on topic " + topic;
  }

  private String describe(Schema writer, int id) {
    Schema s = writer != null ? writer : client.schemaById(id);
    return s.getType() == Schema.Type.RECORD ? s.getFullName() : s.getType().getName();
  }

  private Schema writerSchema(String topic, int id) {
    try {
      return client.schemaById(id);
    } catch (SchemaNotFoundException e) {
      throw new UnknownSchemaIdException("unknown schema id " + id + " in " + what(topic) + ": " + e.getMessage(), e);
    }
  }
}
