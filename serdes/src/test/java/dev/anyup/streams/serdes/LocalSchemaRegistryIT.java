package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.local.LocalSchemaRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client and serdes against a real registry: Apicurio Registry 2.6.13 from Maven Central, via its Confluent
 * API. Started once for the class (startup takes ~10-20 s).
 *
 * <p>Basic auth is covered by {@link LocalSchemaRegistryAuthIT}.
 */
class LocalSchemaRegistryIT {
  private static final Schema READING_V1 = new Schema.Parser().parse("""
      {"type":"record","name":"Reading","namespace":"dev.anyup.streams.test","fields":[
        {"name":"sensor","type":"string"},{"name":"value","type":"double"}]}""");
  private static final Schema READING_V2 = new Schema.Parser().parse("""
      {"type":"record","name":"Reading","namespace":"dev.anyup.streams.test","fields":[
        {"name":"sensor","type":"string"},{"name":"value","type":"double"},
        {"name":"unit","type":"string","default":"C"}]}""");
  private static final Schema READING_V3_NO_DEFAULT = new Schema.Parser().parse("""
      {"type":"record","name":"Reading","namespace":"dev.anyup.streams.test","fields":[
        {"name":"sensor","type":"string"},{"name":"value","type":"double"},
        {"name":"unit","type":"string","default":"C"},{"name":"site","type":"string"}]}""");

  private static LocalSchemaRegistry registry;

  @BeforeAll
  static void startRegistry() throws IOException {
    registry = LocalSchemaRegistry.start(Path.of("target", "it-registry"));
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private static Map<String, Object> config() {
    Map<String, Object> props = new HashMap<>();
    props.put("schema.registry.url", registry.url());
    return props;
  }

  private static SchemaRegistryClient client() {
    return SchemaRegistryClient.create(SchemaRegistryConfig.fromMap(config()));
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static <T extends SpecificRecord> T roundTrip(Class<T> type, String topic, T record) {
    SpecificAvroSerde<T> writer = new SpecificAvroSerde<>(type);
    writer.configure(config(), false);
    SpecificAvroSerde<T> reader = new SpecificAvroSerde<>(type); // own client: fetches the writer schema by id
    reader.configure(config(), false);
    return reader.deserializer().deserialize(topic, writer.serializer().serialize(topic, record));
  }

  @Test
  void roundTripsAllThreeContractRecords() {
    ImageEvent event = TestRecords.imageEvent("img-1");
    DenseFeatures dense = TestRecords.denseFeatures("img-1", 16, 64);
    ImageEmbedding embedding = TestRecords.embedding("img-1");
    assertEquals(event, roundTrip(ImageEvent.class, unique("images"), event));
    assertEquals(dense, roundTrip(DenseFeatures.class, unique("features.dense"), dense));
    assertEquals(embedding, roundTrip(ImageEmbedding.class, unique("features.embeddings"), embedding));
  }

  @Test
  void registerLookupLatestAndByIdAgree() {
    SchemaRegistryClient client = client();
    String subject = unique("images") + "-value";
    int id = client.register(subject, ImageEvent.getClassSchema());

    RegisteredSchema looked = client().lookup(subject, ImageEvent.getClassSchema());
    RegisteredSchema latest = client().latest(subject);

    assertEquals(id, looked.id());
    assertEquals(1, looked.version());
    assertEquals(new RegisteredSchema(subject, id, 1, ImageEvent.getClassSchema()), latest);
    assertEquals(ImageEvent.getClassSchema(), client().schemaById(id));
  }

  @Test
  void compatibleEvolutionUnderBackwardIsAcceptedAndReadsBothWays() {
    String topic = unique("readings");
    String subject = topic + "-value";
    SchemaRegistryClient client = client();
    client.register(subject, READING_V1);
    client.setCompatibility(subject, CompatibilityLevel.BACKWARD);
    assertTrue(client.isCompatible(subject, READING_V2));

    GenericAvroSerializer serializer = new GenericAvroSerializer();
    serializer.configure(config(), false);
    byte[] v1Bytes = serializer.serialize(topic, new GenericRecordBuilder(READING_V1)
        .set("sensor", "s1").set("value", 20.5).build());
    byte[] v2Bytes = serializer.serialize(topic, new GenericRecordBuilder(READING_V2)
        .set("sensor", "s2").set("value", 21.5).set("unit", "K").build());
    assertNotEquals(WireFormat.readSchemaId(topic, false, null, v1Bytes, 0, v1Bytes.length),
        WireFormat.readSchemaId(topic, false, null, v2Bytes, 0, v2Bytes.length));
    assertEquals(2, client().latest(subject).version());

    GenericRecord v2ReadsV1 = reader(READING_V2).deserialize(topic, null, v1Bytes);
    GenericRecord v1ReadsV2 = reader(READING_V1).deserialize(topic, null, v2Bytes);
    assertEquals("C", v2ReadsV1.get("unit").toString());
    assertEquals(20.5, (double) v2ReadsV1.get("value"), 0.0);
    assertEquals("s2", v1ReadsV2.get("sensor").toString());
    assertEquals(READING_V1, v1ReadsV2.getSchema());
  }

  private static AvroRecordDeserializer<GenericRecord> reader(Schema readerSchema) {
    return new AvroRecordDeserializer<>(client(), false,
        writer -> new GenericDatumReader<>(writer, readerSchema, GenericData.get()),
        SchemaRegistryConfig.DEFAULT_AVRO_MAX_LENGTH);
  }

  @Test
  void incompatibleEvolutionUnderBackwardIsRejectedWithConflict() {
    String subject = unique("readings") + "-value";
    SchemaRegistryClient client = client();
    client.register(subject, READING_V2);
    client.setCompatibility(subject, CompatibilityLevel.BACKWARD);

    assertFalse(client.isCompatible(subject, READING_V3_NO_DEFAULT));
    IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
        () -> client.register(subject, READING_V3_NO_DEFAULT));
    assertEquals(409, e.httpStatus());
    assertTrue(e.serverMessage().contains("ncompatible"), e.serverMessage());
    assertTrue(e.url().startsWith(registry.url()), e.url());
  }

  @Test
  void serializerWithoutAutoRegisterUsesLatestVersion() {
    String topic = unique("images");
    int id = client().register(topic + "-value", ImageEvent.getClassSchema());
    Map<String, Object> props = config();
    props.put("auto.register.schemas", false);
    props.put("use.latest.version", true);
    SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(ImageEvent.class);
    serde.configure(props, false);

    byte[] bytes = serde.serializer().serialize(topic, TestRecords.imageEvent("a"));

    assertEquals(id, WireFormat.readSchemaId(topic, false, null, bytes, 0, bytes.length));
    assertEquals(TestRecords.imageEvent("a"), serde.deserializer().deserialize(topic, bytes));
  }

  @Test
  void missingSubjectAndSchemaAreTypedErrors() {
    assertThrows(SubjectNotFoundException.class, () -> client().latest(unique("nothing") + "-value"));
    assertThrows(SchemaNotFoundException.class, () -> client().schemaById(987_654));
    SpecificAvroDeserializer<ImageEvent> d = new SpecificAvroDeserializer<>(ImageEvent.class);
    d.configure(config(), false);
    byte[] unknownId = {0, 0, 0x0f, 0x12, 0x06, 0};
    assertThrows(UnknownSchemaIdException.class, () -> d.deserialize("images", unknownId));
  }

  @Test
  void lookupWithoutAutoRegisterFailsForAnUnregisteredSchema() {
    String topic = unique("images");
    client().register(topic + "-value", ImageEmbedding.getClassSchema());
    Map<String, Object> props = config();
    props.put("auto.register.schemas", "false");
    SpecificAvroSerializer<ImageEvent> s = new SpecificAvroSerializer<>();
    s.configure(props, false);
    SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class,
        () -> s.serialize(topic, TestRecords.imageEvent("a")));
    assertEquals(40403, e.errorCode());
  }
}
