package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.avro.ImageEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SubjectNameStrategyTest {

  @Test
  void parsesConfluentClassNamesShortNamesAndConstants() {
    assertEquals(SubjectNameStrategy.TOPIC_NAME,
        SubjectNameStrategy.parse("k", "io.confluent.kafka.serializers.subject.TopicNameStrategy"));
    assertEquals(SubjectNameStrategy.RECORD_NAME, SubjectNameStrategy.parse("k", "RecordNameStrategy"));
    assertEquals(SubjectNameStrategy.TOPIC_RECORD_NAME, SubjectNameStrategy.parse("k", "topic_record_name"));
  }

  @Test
  void unknownStrategyNamesTheKeyAndValue() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> SubjectNameStrategy.parse("value.subject.name.strategy", "Bogus"));
    assertEquals("Invalid value Bogus for configuration value.subject.name.strategy: expected TopicNameStrategy,"
        + " RecordNameStrategy or TopicRecordNameStrategy (Confluent class name or short name)", e.getMessage());
  }

  @Test
  void subjectsFollowConfluentNaming() {
    var schema = ImageEvent.getClassSchema();
    assertEquals("images-value", SubjectNameStrategy.TOPIC_NAME.subject("images", false, schema));
    assertEquals("images-key", SubjectNameStrategy.TOPIC_NAME.subject("images", true, schema));
    assertEquals("dev.anyup.streams.avro.ImageEvent", SubjectNameStrategy.RECORD_NAME.subject("images", false, schema));
    assertEquals("images-dev.anyup.streams.avro.ImageEvent",
        SubjectNameStrategy.TOPIC_RECORD_NAME.subject("images", false, schema));
  }

  @Test
  void serializerRegistersUnderTheConfiguredStrategy() {
    String scope = TestRecords.uniqueScope();
    Map<String, Object> props = new HashMap<>(TestRecords.mockConfig(scope));
    props.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy");
    props.put("key.subject.name.strategy", "RecordNameStrategy");
    SpecificAvroSerializer<ImageEvent> value = new SpecificAvroSerializer<>();
    value.configure(props, false);
    SpecificAvroSerializer<ImageEvent> key = new SpecificAvroSerializer<>();
    key.configure(props, true);

    value.serialize("images", TestRecords.imageEvent("a"));
    key.serialize("images", TestRecords.imageEvent("a"));

    MockSchemaRegistry registry = MockSchemaRegistry.scope(scope);
    assertEquals(1, registry.latest("images-dev.anyup.streams.avro.ImageEvent").version());
    assertEquals(1, registry.latest("dev.anyup.streams.avro.ImageEvent").version());
  }
}
