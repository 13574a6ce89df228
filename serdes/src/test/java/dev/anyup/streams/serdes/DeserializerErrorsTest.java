package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad payload gets its own SerializationException subclass and a message that says what is wrong. */
class DeserializerErrorsTest {
  private final SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
  private final SpecificAvroDeserializer<ImageEvent> deserializer = new SpecificAvroDeserializer<>(ImageEvent.class);
  private byte[] valid;

  @BeforeEach
  void setUp() {
    String scope = TestRecords.uniqueScope();
    serializer.configure(TestRecords.mockConfig(scope), false);
    deserializer.configure(TestRecords.mockConfig(scope), false);
    valid = serializer.serialize("images", TestRecords.imageEvent("img-1"));
  }

  @Test
  void tombstoneNullDeserializesToNull() {
    assertNull(deserializer.deserialize("images", null));
    assertNull(deserializer.deserialize("images", new RecordHeaders(), (ByteBuffer) null));
    assertNull(serializer.serialize("images", null));
  }

  @Test
  void emptyPayloadIsTruncated() {
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> deserializer.deserialize("images", new byte[0]));
    assertTrue(e.getMessage().contains("empty value on topic images"), e.getMessage());
  }

  @Test
  void payloadShorterThanHeaderIsTruncated() {
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> deserializer.deserialize("images", new byte[] {0, 0, 1}));
    assertTrue(e.getMessage().contains("3 byte(s)"), e.getMessage());
  }

  @Test
  void wrongMagicByteNamesTheByteAndShowsThePayloadStart() {
    byte[] bad = valid.clone();
    bad[0] = 7;
    WrongMagicByteException e = assertThrows(WrongMagicByteException.class,
        () -> deserializer.deserialize("images", bad));
    assertTrue(e.getMessage().contains("0x07"), e.getMessage());
    assertTrue(e.getMessage().contains("07 00 00 00 01"), e.getMessage());
  }

  @Test
  void confluentHeaderSchemaIdFormatIsRecognised() {
    RecordHeaders headers = new RecordHeaders();
    headers.add(WireFormat.VALUE_SCHEMA_ID_HEADER, new byte[17]);
    byte[] plainAvro = Arrays.copyOfRange(valid, WireFormat.HEADER_SIZE, valid.length);
    WrongMagicByteException e = assertThrows(WrongMagicByteException.class,
        () -> deserializer.deserialize("images", headers, plainAvro));
    assertTrue(e.getMessage().contains("header-based schema id"), e.getMessage());
  }

  @Test
  void confluentGuidPrefixedFormatIsRecognised() {
    byte[] guidPayload = new byte[40];
    guidPayload[0] = 1;
    WrongMagicByteException e = assertThrows(WrongMagicByteException.class,
        () -> deserializer.deserialize("images", guidPayload));
    assertTrue(e.getMessage().contains("GUID"), e.getMessage());
  }

  @Test
  void jsonPayloadIsRecognised() {
    byte[] json = "{\"image_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    WrongMagicByteException e = assertThrows(WrongMagicByteException.class,
        () -> deserializer.deserialize("images", json));
    assertTrue(e.getMessage().contains("looks like JSON"), e.getMessage());
  }

  @Test
  void unknownSchemaIdIsReportedWithTheId() {
    byte[] bad = valid.clone();
    bad[1] = 0x12;
    UnknownSchemaIdException e = assertThrows(UnknownSchemaIdException.class,
        () -> deserializer.deserialize("images", bad));
    assertTrue(e.getMessage().contains("unknown schema id " + 0x12000001), e.getMessage());
    assertInstanceOf(SchemaNotFoundException.class, e.getCause());
  }

  @Test
  void truncatedBodyIsTruncatedNamingTheWriterSchema() {
    byte[] cut = Arrays.copyOf(valid, valid.length - 3);
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> deserializer.deserialize("images", cut));
    assertTrue(e.getMessage().contains("dev.anyup.streams.avro.ImageEvent"), e.getMessage());
  }

  @Test
  void bodyCutInsideAFixedSizeValueDoesNotDecode() {
    // cut inside the capture timestamp varint: no declared length is involved, so Avro's own EOF is reported
    byte[] cut = Arrays.copyOf(valid, WireFormat.HEADER_SIZE + 1 + "img-1".length() + 1 + "cam-1".length() + 2);
    PayloadMismatchException e = assertThrows(PayloadMismatchException.class,
        () -> deserializer.deserialize("images", cut));
    assertTrue(e.getMessage().contains("does not decode"), e.getMessage());
  }

  @Test
  void trailingGarbageIsDetected() {
    byte[] longer = Arrays.copyOf(valid, valid.length + 2);
    PayloadMismatchException e = assertThrows(PayloadMismatchException.class,
        () -> deserializer.deserialize("images", longer));
    assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
  }

  @Test
  void hugeLengthPrefixIsTruncatedNotAnAllocation() {
    // header + image_id string with a length prefix of ~1 GiB, then nothing
    byte[] bad = {0, 0, 0, 0, 1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
    byte[] withId = bad.clone();
    System.arraycopy(valid, 1, withId, 1, 4);
    SerializationException e = assertThrows(TruncatedPayloadException.class,
        () -> deserializer.deserialize("images", withId));
    assertTrue(e.getMessage().contains("string declares 1073741824 bytes but only 0 are left"), e.getMessage());
  }

  @Test
  void heapByteBufferIsReadInPlace() {
    byte[] padded = new byte[valid.length + 10];
    System.arraycopy(valid, 0, padded, 7, valid.length);
    ByteBuffer slice = ByteBuffer.wrap(padded, 7, valid.length).slice();
    assertEquals(TestRecords.imageEvent("img-1"), deserializer.deserialize("images", new RecordHeaders(), slice));
  }
}
