package dev.anyup.streams.serdes;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;

/** Builds the resolving readers used by the deserializers. */
final class AvroReaders {
  static final String SPECIFIC_KEY_TYPE = "specific.avro.key.type";
  static final String SPECIFIC_VALUE_TYPE = "specific.avro.value.type";

  private AvroReaders() {}

  /** The reader class configured under {@code specific.avro.key.type} / {@code specific.avro.value.type}, or null. */
  static Class<?> configuredType(Map<String, ?> props, boolean isKey) {
    String key = isKey ? SPECIFIC_KEY_TYPE : SPECIFIC_VALUE_TYPE;
    Object v = props.get(key);
    if (v == null) {
      return null;
    }
    Class<?> type;
    if (v instanceof Class<?> c) {
      type = c;
    } else {
      try {
        type = Class.forName(String.valueOf(v).trim(), true, Thread.currentThread().getContextClassLoader());
      } catch (ClassNotFoundException e) {
        throw new ConfigException(key, v, "class not found");
      }
    }
    if (!SpecificRecord.class.isAssignableFrom(type)) {
      throw new ConfigException(key, v, "not an Avro SpecificRecord class");
    }
    return type;
  }

  /**
   * A reader from {@code writer} to the schema of {@code type}, or, when {@code type} is null, to the generated class
   * named like the writer schema.
   */
  static <T> DatumReader<T> specific(Schema writer, Class<?> type) {
    Schema readerSchema;
    if (type != null) {
      readerSchema = SpecificData.getForClass(type).getSchema(type);
    } else {
      Class<?> named = SpecificData.get().getClass(writer);
      if (named == null || !SpecificRecord.class.isAssignableFrom(named)) {
        throw new SerializationException("no generated SpecificRecord class " + writer.getFullName()
            + " on the classpath for the writer schema; configure " + SPECIFIC_VALUE_TYPE + " / "
            + SPECIFIC_KEY_TYPE + " or pass the class to the deserializer");
      }
      readerSchema = SpecificData.getForClass(named).getSchema(named);
    }
    requireReadable(readerSchema, writer);
    return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForSchema(readerSchema));
  }

  static DatumReader<GenericRecord> generic(Schema writer) {
    return new GenericDatumReader<>(writer, writer, GenericData.get());
  }

  private static void requireReadable(Schema reader, Schema writer) {
    SchemaCompatibility.SchemaPairCompatibility c = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new SerializationException("reader schema " + reader.getFullName() + " cannot read writer schema "
          + writer.getFullName() + ": " + c.getResult().getIncompatibilities());
    }
  }
}
