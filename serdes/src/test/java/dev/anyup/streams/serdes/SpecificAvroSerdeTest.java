package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** Round trips of the contract records through the serdes on a mock:// registry. */
class SpecificAvroSerdeTest {
  private final String scope = TestRecords.uniqueScope();

  private <T extends SpecificRecord> T roundTrip(Serde<T> serde, String topic, T record) {
    serde.configure(TestRecords.mockConfig(scope), false);
    return serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, record));
  }

  @Test
  void imageEventRoundTrips() {
    ImageEvent e = TestRecords.imageEvent("img-1");
    assertEquals(e, roundTrip(new SpecificAvroSerde<>(ImageEvent.class), "images", e));
  }

  @Test
  void denseFeaturesWithMultiMegabyteTensorRoundTrips() {
    DenseFeatures f = TestRecords.denseFeatures("img-1", 64, 224); // 6.4 MB of float16
    assertEquals(f, roundTrip(new SpecificAvroSerde<>(DenseFeatures.class), "features.dense", f));
  }

  @Test
  void bigRecordsAreWrittenExactlySizedAndIdenticalToTheirGenericEncodingWhateverTheirSizeHistory()
      throws java.io.IOException {
    SpecificAvroSerde<DenseFeatures> serde = new SpecificAvroSerde<>(DenseFeatures.class);
    serde.configure(TestRecords.mockConfig(scope), false);
    // small, then big (the size hint is still small: grows), big again (measured first), a longer id (bigger by a
    // few bytes than the previous record), then small again: every payload must be the Avro encoding, nothing more
    String[] ids = {"a", "img-1", "img-2", "img-1234567890", "b"};
    int[] sizes = {8, 224, 224, 224, 8};
    for (int i = 0; i < ids.length; i++) {
      DenseFeatures f = TestRecords.denseFeatures(ids[i], 32, sizes[i]);
      byte[] bytes = serde.serializer().serialize("features.dense", f);
      java.io.ByteArrayOutputStream avro = new java.io.ByteArrayOutputStream();
      org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(avro, null);
      new org.apache.avro.specific.SpecificDatumWriter<>(DenseFeatures.class).write(f, enc);
      enc.flush();
      assertEquals(WireFormat.HEADER_SIZE + avro.size(), bytes.length, "record " + i);
      assertEquals(java.nio.ByteBuffer.wrap(avro.toByteArray()),
          java.nio.ByteBuffer.wrap(bytes, WireFormat.HEADER_SIZE, avro.size()), "record " + i);
      assertEquals(f, serde.deserializer().deserialize("features.dense", bytes), "record " + i);
    }
  }

  @Test
  void imageEmbeddingRoundTrips() {
    ImageEmbedding e = TestRecords.embedding("img-1");
    assertEquals(e, roundTrip(new SpecificAvroSerde<>(ImageEmbedding.class), "features.embeddings", e));
  }

  @Test
  void readerClassIsFoundFromTheWriterSchemaNameWhenNotGiven() {
    ImageEmbedding e = TestRecords.embedding("img-2");
    assertEquals(e, roundTrip(new SpecificAvroSerde<>(), "features.embeddings", e));
  }

  @Test
  void readerClassCanBeConfiguredByConfluentKey() {
    Map<String, Object> props = new HashMap<>(TestRecords.mockConfig(scope));
    props.put("specific.avro.value.type", ImageEvent.class.getName());
    SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>();
    serde.configure(props, false);
    ImageEvent e = TestRecords.imageEvent("img-3");
    assertEquals(e, serde.deserializer().deserialize("images", serde.serializer().serialize("images", e)));
  }

  @Test
  void genericSerdeReadsWhatTheSpecificSerdeWrote() {
    SpecificAvroSerde<ImageEvent> specific = new SpecificAvroSerde<>(ImageEvent.class);
    specific.configure(TestRecords.mockConfig(scope), false);
    GenericAvroSerde generic = new GenericAvroSerde();
    generic.configure(TestRecords.mockConfig(scope), false);

    byte[] bytes = specific.serializer().serialize("images", TestRecords.imageEvent("img-4"));
    GenericRecord g = generic.deserializer().deserialize("images", bytes);

    assertEquals("img-4", g.get("image_id").toString());
    assertEquals(TestRecords.CAPTURED.toEpochMilli(), g.get("capture_timestamp"));
    assertEquals(bytes.length, generic.serializer().serialize("images", g).length);
  }

  @Test
  void serializerUsedBeforeConfigureSaysSo() {
    SpecificAvroSerializer<ImageEvent> s = new SpecificAvroSerializer<>();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> s.serialize("images", TestRecords.imageEvent("x")));
    assertEquals("SpecificAvroSerializer used before configure(); set schema.registry.url", e.getMessage());
  }
}
