package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEvent;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution across the wire: readers resolve the writer schema (by id) to their own. The generated
 * ImageEvent plays one side; hand-written older (v0, without attributes and uri) and newer (v2, with an extra
 * field) ImageEvent schemas play the other.
 */
class SchemaEvolutionTest {
  private static final Schema V0 = new Schema.Parser().parse("""
      {"type":"record","name":"ImageEvent","namespace":"dev.anyup.streams.avro","fields":[
        {"name":"image_id","type":"string"},{"name":"source_id","type":"string"},
        {"name":"capture_timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"content_type","type":"string"},{"name":"image","type":"bytes"}]}""");
  private static final Schema V2 = new Schema.Parser().parse("""
      {"type":"record","name":"ImageEvent","namespace":"dev.anyup.streams.avro","fields":[
        {"name":"image_id","type":"string"},{"name":"source_id","type":"string"},
        {"name":"capture_timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"content_type","type":"string"},{"name":"image","type":"bytes"},
        {"name":"attributes","type":{"type":"map","values":"string"},"default":{}},
        {"name":"uri","type":["null","string"],"default":null},
        {"name":"exposure_us","type":"int","default":-1}]}""");

  private final String scope = TestRecords.uniqueScope();
  private final Map<String, Object> config = TestRecords.mockConfig(scope);

  private byte[] writeGeneric(GenericRecord r) {
    GenericAvroSerializer s = new GenericAvroSerializer();
    s.configure(config, false);
    return s.serialize("images", r);
  }

  @Test
  void currentReaderReadsOlderRecordFillingDefaults() {
    MockSchemaRegistry.scope(scope).setCompatibility("images-value", CompatibilityLevel.NONE);
    GenericRecord old = new GenericRecordBuilder(V0).set("image_id", "a").set("source_id", "s")
        .set("capture_timestamp", 5L).set("content_type", "image/jpeg")
        .set("image", ByteBuffer.wrap(new byte[] {9})).build();
    SpecificAvroDeserializer<ImageEvent> d = new SpecificAvroDeserializer<>(ImageEvent.class);
    d.configure(config, false);

    ImageEvent read = d.deserialize("images", writeGeneric(old));

    assertEquals("a", read.getImageId());
    assertEquals(Map.of(), read.getAttributes());
    assertNull(read.getUri());
  }

  @Test
  void currentReaderReadsNewerRecordIgnoringTheAddedField() {
    GenericRecord newer = new GenericRecordBuilder(V2).set("image_id", "b").set("source_id", "s")
        .set("capture_timestamp", 5L).set("content_type", "image/jpeg")
        .set("image", ByteBuffer.wrap(new byte[] {9})).set("uri", "s3://x").set("exposure_us", 100).build();
    SpecificAvroDeserializer<ImageEvent> d = new SpecificAvroDeserializer<>(ImageEvent.class);
    d.configure(config, false);

    ImageEvent read = d.deserialize("images", writeGeneric(newer));

    assertEquals("b", read.getImageId());
    assertEquals("s3://x", read.getUri());
  }

  @Test
  void newerReaderReadsCurrentRecordWithTheDefault() {
    SpecificAvroSerializer<ImageEvent> s = new SpecificAvroSerializer<>();
    s.configure(config, false);
    byte[] bytes = s.serialize("images", TestRecords.imageEvent("c"));
    AvroRecordDeserializer<GenericRecord> v2Reader = new AvroRecordDeserializer<>(
        MockSchemaRegistry.scope(scope), false, writer -> new GenericDatumReader<>(writer, V2, GenericData.get()),
        SchemaRegistryConfig.DEFAULT_AVRO_MAX_LENGTH);

    GenericRecord read = v2Reader.deserialize("images", null, bytes);

    assertEquals("c", read.get("image_id").toString());
    assertEquals(-1, read.get("exposure_us"));
  }

  @Test
  void useLatestVersionConvertsAnOlderRecordToTheLatestSchema() {
    MockSchemaRegistry registry = MockSchemaRegistry.scope(scope);
    registry.register("images-value", ImageEvent.getClassSchema());
    int latestId = registry.register("images-value", V2);
    SpecificAvroSerializer<ImageEvent> s = new SpecificAvroSerializer<>();
    s.configure(Map.of("schema.registry.url", "mock://" + scope, "auto.register.schemas", "false",
        "use.latest.version", "true"), false);
    GenericAvroDeserializer d = new GenericAvroDeserializer();
    d.configure(config, false);

    byte[] bytes = s.serialize("images", TestRecords.imageEvent("d"));
    GenericRecord read = d.deserialize("images", bytes);

    assertEquals(latestId, WireFormat.readSchemaId("images", false, null, bytes, 0, bytes.length));
    assertEquals(V2, read.getSchema());
    assertEquals("d", read.get("image_id").toString());
    assertEquals(-1, read.get("exposure_us"));
  }

  @Test
  void backwardCompatibilityRejectsARequiredNewFieldWithoutDefault() {
    Schema noDefault = new Schema.Parser().parse(V2.toString().replace(",\"default\":-1", ""));
    MockSchemaRegistry registry = MockSchemaRegistry.scope(scope);
    registry.register("images-value", ImageEvent.getClassSchema());
    assertTrue(registry.isCompatible("images-value", V2));
    assertFalse(registry.isCompatible("images-value", noDefault));
    assertThrows(IncompatibleSchemaException.class, () -> registry.register("images-value", noDefault));
  }

  @Test
  void incompatibleReaderClassIsRefusedWithTheIncompatibility() {
    Schema renamedType = new Schema.Parser().parse(
        V0.toString().replace("{\"name\":\"image\",\"type\":\"bytes\"}", "{\"name\":\"image\",\"type\":\"int\"}"));
    MockSchemaRegistry.scope(scope).setCompatibility("images-value", CompatibilityLevel.NONE);
    GenericRecord r = new GenericRecordBuilder(renamedType).set("image_id", "a").set("source_id", "s")
        .set("capture_timestamp", 5L).set("content_type", "x").set("image", 1).build();
    SpecificAvroDeserializer<ImageEvent> d = new SpecificAvroDeserializer<>(ImageEvent.class);
    d.configure(config, false);
    byte[] bytes = writeGeneric(r);

    Exception e = assertThrows(org.apache.kafka.common.errors.SerializationException.class,
        () -> d.deserialize("images", bytes));
    assertTrue(e.getMessage().contains("cannot read writer schema"), e.getMessage());
  }
}
