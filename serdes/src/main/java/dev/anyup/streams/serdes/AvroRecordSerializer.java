package dev.anyup.streams.serdes;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Writes Avro records in the Confluent wire format, resolving the schema id once per (topic, schema): after
 * warm-up a call does no registry lookup. Shared by the specific and generic serializers.
 */
final class AvroRecordSerializer {

  private record TopicSchema(String topic, Schema schema) {}

  /** What to write for one (topic, record schema): the id, and the writer when it must convert to another schema. */
  private record Target(int id, GenericDatumWriter<Object> writer, Schema latest) {}

  private final SchemaRegistryClient client;
  private final SchemaRegistryConfig config;
  private final boolean isKey;
  private final GenericData model;
  private final Map<TopicSchema, Target> targets = new ConcurrentHashMap<>();
  private volatile int sizeHint = 256;

  AvroRecordSerializer(SchemaRegistryClient client, SchemaRegistryConfig config, boolean isKey, boolean specific) {
    this.client = Objects.requireNonNull(client, "client");
    this.config = Objects.requireNonNull(config, "config");
    this.isKey = isKey;
    this.model = specific ? SpecificData.get() : GenericData.get();
  }

  byte[] serialize(String topic, IndexedRecord record) {
    if (record == null) {
      return null;
    }
    Schema schema = record.getSchema();
    TopicSchema key = new TopicSchema(topic, schema);
    Target target = targets.get(key);
    if (target == null) {
      target = resolve(topic, schema);
      targets.putIfAbsent(key, target);
    }
    Object datum = target.latest == null ? record : convert(record, target.latest);
    // Big records (a dense tensor is tens of MB) are measured first: a counting pass costs the small fields' encoding
    // and nothing per tensor byte, and lets the real pass write into an array of exactly the right size, which is
    // handed over without a final copy. Small records use the previous size as a hint.
    int exact = sizeHint >= MEASURE_ABOVE_BYTES ? WireFormat.HEADER_SIZE + encodedSize(target, datum, schema, topic)
        : -1;
    PayloadBuffer out = new PayloadBuffer(exact > 0 ? exact : sizeHint + 64);
    out.skip(WireFormat.HEADER_SIZE);
    write(target, datum, out, schema, topic);
    WireFormat.writeHeader(out.array(), target.id);
    sizeHint = out.size();
    return out.toExactArray();
  }

  /** Records from this size on are measured before they are written (see {@link #serialize}). */
  static final int MEASURE_ABOVE_BYTES = 1 << 20;

  private static void write(Target target, Object datum, java.io.OutputStream out, Schema schema, String topic) {
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      target.writer.write(datum, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot serialize " + schema.getFullName() + " for topic " + topic
          + " with schema id " + target.id + ": " + e.getMessage(), e);
    }
  }

  private static int encodedSize(Target target, Object datum, Schema schema, String topic) {
    CountingSink counter = new CountingSink();
    write(target, datum, counter, schema, topic);
    if (counter.count > Integer.MAX_VALUE - WireFormat.HEADER_SIZE - 8) {
      throw new SerializationException("cannot serialize " + schema.getFullName() + " for topic " + topic
          + ": " + counter.count + " bytes is more than a Java array holds");
    }
    return (int) counter.count;
  }

  /** An output stream that only counts. */
  private static final class CountingSink extends java.io.OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  private Target resolve(String topic, Schema schema) {
    String subject = config.subjectNameStrategy(isKey).subject(topic, isKey, schema);
    if (config.autoRegisterSchemas()) {
      return new Target(client.register(subject, schema), writer(schema), null);
    }
    if (config.useLatestVersion()) {
      RegisteredSchema latest = client.latest(subject);
      if (latest.schema().equals(schema)) {
        return new Target(latest.id(), writer(schema), null);
      }
      return new Target(latest.id(), new GenericDatumWriter<>(latest.schema(), GenericData.get()), latest.schema());
    }
    return new Target(client.lookup(subject, schema).id(), writer(schema), null);
  }

  private GenericDatumWriter<Object> writer(Schema schema) {
    return new GenericDatumWriter<>(schema, model instanceof SpecificData ? SpecificData.getForSchema(schema) : model);
  }

  /**
   * use.latest.version with a record whose schema differs from the latest: re-read the record as the latest
   * schema (Avro resolution, so field order, defaults and removed fields are handled) and write that.
   */
  private Object convert(IndexedRecord record, Schema latest) {
    Schema own = record.getSchema();
    try {
      PayloadBuffer tmp = new PayloadBuffer(sizeHint);
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(tmp, null);
      writer(own).write(record, enc);
      enc.flush();
      return new GenericDatumReader<Object>(own, latest, GenericData.get())
          .read(null, DecoderFactory.get().binaryDecoder(tmp.array(), 0, tmp.size(), null));
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("use.latest.version: cannot convert " + own.getFullName()
          + " to the latest registered schema (is the latest schema able to read this record's schema?): "
          + e.getMessage(), e);
    }
  }
}
