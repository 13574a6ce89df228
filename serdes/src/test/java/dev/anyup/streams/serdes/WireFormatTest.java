package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.avro.ImageEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The Confluent wire format, checked byte for byte against hand-computed vectors. */
class WireFormatTest {

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void imageEventEncodesAsMagicByteBigEndianIdAndAvroBinary() {
    String scope = TestRecords.uniqueScope();
    MockSchemaRegistry registry = MockSchemaRegistry.scope(scope);
    // occupy ids 1..257 so the record's id (258 = 0x00000102) exercises the big-endian byte order
    for (int i = 0; i < 257; i++) {
      registry.register("filler-" + i, Schema.createFixed("F" + i, null, "x", 1));
    }
    SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
    serializer.configure(TestRecords.mockConfig(scope), false);
    ImageEvent event = ImageEvent.newBuilder()
        .setImageId("img-1")
        .setSourceId("cam")
        .setCaptureTimestamp(Instant.ofEpochMilli(1000))
        .setContentType("image/png")
        .setImage(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .setAttributes(Map.of("k", "v"))
        .setUri("u")
        .build();

    byte[] expected = bytes(
        0x00, 0x00, 0x00, 0x01, 0x02,                    // magic 0, schema id 258 big-endian
        0x0a, 'i', 'm', 'g', '-', '1',                   // image_id: zigzag(5)=10, UTF-8
        0x06, 'c', 'a', 'm',                             // source_id: zigzag(3)=6
        0xd0, 0x0f,                                      // capture_timestamp 1000 ms: zigzag 2000 = varint d0 0f
        0x12, 'i', 'm', 'a', 'g', 'e', '/', 'p', 'n', 'g', // content_type: zigzag(9)=18
        0x06, 0x01, 0x02, 0x03,                          // image: 3 bytes
        0x02, 0x02, 'k', 0x02, 'v', 0x00,                // attributes: block of 1, "k" -> "v", end
        0x02, 0x02, 'u');                                // uri: union branch 1 (string), "u"
    assertArrayEquals(expected, serializer.serialize("images", event));
  }

  @Test
  void genericRecordWithNegativeIntAndNullUnionEncodesByHand() {
    String scope = TestRecords.uniqueScope();
    Schema schema = new Schema.Parser().parse("""
        {"type":"record","name":"Small","fields":[
          {"name":"n","type":"int"},{"name":"o","type":["null","long"],"default":null}]}""");
    GenericAvroSerializer serializer = new GenericAvroSerializer();
    serializer.configure(TestRecords.mockConfig(scope), false);
    GenericRecord r = new GenericData.Record(schema);
    r.put("n", -65);
    r.put("o", null);

    // first schema in a fresh scope has id 1; zigzag(-65) = 129 = varint 81 01; null branch = 0
    assertArrayEquals(bytes(0, 0, 0, 0, 1, 0x81, 0x01, 0x00), serializer.serialize("t", r));
  }

  @Test
  void hashedHeaderRoundTripsSchemaIdsAboveSignedByteRange() {
    byte[] buf = new byte[5];
    WireFormat.writeHeader(buf, 0x80ff7f01);
    assertArrayEquals(bytes(0x00, 0x80, 0xff, 0x7f, 0x01), buf);
    assertEquals(0x80ff7f01, WireFormat.readSchemaId("t", false, null, buf, 0, 5));
  }
}
