package dev.anyup.streams.serdes;

import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * How a serializer picks the registry subject for a record, as Confluent's
 * {@code key.subject.name.strategy} / {@code value.subject.name.strategy} do.
 */
public enum SubjectNameStrategy {
  /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (Confluent's default). */
  TOPIC_NAME("TopicNameStrategy"),
  /** The record's full name: one lineage per record type, shared across topics. */
  RECORD_NAME("RecordNameStrategy"),
  /** {@code <topic>-<record full name>}: several record types per topic. */
  TOPIC_RECORD_NAME("TopicRecordNameStrategy");

  private static final String CONFLUENT_PACKAGE = "io.confluent.kafka.serializers.subject.";

  private final String simpleName;

  SubjectNameStrategy(String simpleName) {
    this.simpleName = simpleName;
  }

  /** The subject for a record with {@code schema} written to {@code topic}. */
  public String subject(String topic, boolean isKey, Schema schema) {
    return switch (this) {
      case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
      case RECORD_NAME -> recordName(schema);
      case TOPIC_RECORD_NAME -> topic + "-" + recordName(schema);
    };
  }

  private static String recordName(Schema schema) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "record name strategies need a record schema, got " + schema.getType() + ": " + schema);
    }
    return schema.getFullName();
  }

  /**
   * Parses a strategy as Confluent's class name ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}),
   * its simple name ({@code TopicNameStrategy}) or this enum's constant name ({@code TOPIC_NAME}).
   *
   * @param key the config key, for the error message
   */
  public static SubjectNameStrategy parse(String key, String value) {
    String v = value.trim();
    if (v.startsWith(CONFLUENT_PACKAGE)) {
      v = v.substring(CONFLUENT_PACKAGE.length());
    }
    for (SubjectNameStrategy s : values()) {
      if (s.simpleName.equals(v) || s.name().equals(v.toUpperCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new ConfigException(key, value,
        "expected TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Confluent class name or short name)");
  }
}
