package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Declared lengths inside the Avro body are checked against {@code avro.max.length} and the bytes present before
 * anything is allocated (issue 10: a 97-byte record whose image claims 2,000,000,000 bytes stalled a partition and,
 * with a smaller heap, killed the stream thread in a loop with OutOfMemoryError).
 */
class BoundedDecodingTest {
  private static final int LIMIT = 20 * 1024 * 1024;
  private final SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>();
  private final SpecificAvroDeserializer<ImageEvent> bounded = new SpecificAvroDeserializer<>(ImageEvent.class);
  private final SpecificAvroDeserializer<ImageEvent> unbounded = new SpecificAvroDeserializer<>(ImageEvent.class);
  private byte[] header;

  @BeforeEach
  void setUp() {
    String scope = TestRecords.uniqueScope();
    serializer.configure(TestRecords.mockConfig(scope), false);
    Map<String, Object> limited = new HashMap<>(TestRecords.mockConfig(scope));
    limited.put(SchemaRegistryConfig.AVRO_MAX_LENGTH, Integer.toString(LIMIT));
    bounded.configure(limited, false);
    unbounded.configure(TestRecords.mockConfig(scope), false);
    header = Arrays.copyOf(serializer.serialize("images", TestRecords.imageEvent("img-1")), WireFormat.HEADER_SIZE);
  }

  /** The record from issue 10: an ImageEvent body whose image bytes declare 2,000,000,000 bytes, 97 bytes in all. */
  private byte[] poison() {
    return withBody(e -> {
      e.writeString("poison-1");
      e.writeString("cam-1");
      e.writeLong(1_764_300_000_123L);
      e.writeString("image/png");
      e.writeLong(2_000_000_000L); // the bytes length of `image`, then (far fewer than) the bytes
    }, 97);
  }

  private interface Body {
    void write(BinaryEncoder e) throws IOException;
  }

  private byte[] withBody(Body body, int padTo) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header);
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    try {
      body.write(e);
      e.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    byte[] bytes = out.toByteArray();
    return padTo > bytes.length ? Arrays.copyOf(bytes, padTo) : bytes;
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void poisonRecordDeclaringTwoBillionImageBytesIsTooLargeWithoutAllocatingIt() {
    byte[] poison = poison();
    assertEquals(97, poison.length);
    long before = allocatedByThisThread();
    PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
        () -> bounded.deserialize("images", poison));
    long allocated = allocatedByThisThread() - before;
    assertTrue(e.getMessage().contains("bytes declares 2000000000 bytes, more than the limit of " + LIMIT),
        e.getMessage());
    assertTrue(e.getMessage().contains("avro.max.length"), e.getMessage());
    assertTrue(allocated < 1024 * 1024, "allocated " + allocated + " bytes for a 97-byte record");
  }

  @Test
  void poisonRecordIsTruncatedEvenWithoutALimitBecauseTheBytesAreNotThere() {
    byte[] poison = poison();
    long before = allocatedByThisThread();
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> unbounded.deserialize("images", poison));
    long allocated = allocatedByThisThread() - before;
    assertTrue(e.getMessage().contains("bytes declares 2000000000 bytes but only"), e.getMessage());
    assertTrue(allocated < 1024 * 1024, "allocated " + allocated + " bytes for a 97-byte record");
  }

  @Test
  void imageOfExactlyTheLimitDecodesAndOneByteMoreIsTooLarge() {
    ImageEvent atLimit = TestRecords.imageEvent("at-limit");
    atLimit.setImage(ByteBuffer.wrap(new byte[LIMIT]));
    assertEquals(LIMIT, bounded.deserialize("images", serializer.serialize("images", atLimit)).getImage().remaining());

    ImageEvent over = TestRecords.imageEvent("over");
    over.setImage(ByteBuffer.wrap(new byte[LIMIT + 1]));
    byte[] payload = serializer.serialize("images", over);
    assertThrows(PayloadTooLargeException.class, () -> bounded.deserialize("images", payload));
  }

  @Test
  void stringLongerThanThePayloadIsTruncated() {
    byte[] bad = withBody(e -> e.writeLong(5_000), 40);
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> bounded.deserialize("images", bad));
    assertTrue(e.getMessage().contains("string declares 5000 bytes but only"), e.getMessage());
  }

  @Test
  void negativeLengthIsTruncatedNotANegativeArraySize() {
    byte[] bad = withBody(e -> e.writeLong(-7), 40);
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> bounded.deserialize("images", bad));
    assertTrue(e.getMessage().contains("negative length -7"), e.getMessage());
  }

  @Test
  void mapBlockCountingMoreEntriesThanBytesIsTruncated() {
    byte[] bad = withBody(e -> {
      e.writeString("m");
      e.writeString("cam-1");
      e.writeLong(1L);
      e.writeString("image/png");
      e.writeBytes(new byte[] {1, 2, 3});
      e.writeLong(1_500_000_000L); // attributes: one block of 1.5 billion entries
    }, 60);
    long before = allocatedByThisThread();
    TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
        () -> unbounded.deserialize("images", bad));
    assertTrue(e.getMessage().contains("map block declares 1500000000 items"), e.getMessage());
    assertTrue(allocatedByThisThread() - before < 1024 * 1024);
  }

  @Test
  void mapBlockCountAboveTheLimitIsTooLarge() {
    byte[] bad = withBody(e -> {
      e.writeString("m");
      e.writeString("cam-1");
      e.writeLong(1L);
      e.writeString("image/png");
      e.writeBytes(new byte[] {1, 2, 3});
      e.writeLong(LIMIT + 1L);
    }, 60);
    assertThrows(PayloadTooLargeException.class, () -> bounded.deserialize("images", bad));
  }

  @Test
  void validRecordsStillRoundTripThroughTheBoundedDecoder() {
    ImageEvent event = TestRecords.imageEvent("ok");
    event.setAttributes(Map.of("a", "1", "b", "2", "site", "lab"));
    assertEquals(event, bounded.deserialize("images", serializer.serialize("images", event)));
  }

  @Test
  void avroMaxLengthMustBePositive() {
    Map<String, Object> cfg = new HashMap<>(TestRecords.mockConfig("x"));
    cfg.put(SchemaRegistryConfig.AVRO_MAX_LENGTH, "0");
    ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromMap(cfg));
    assertTrue(e.getMessage().contains("avro.max.length"), e.getMessage());
  }

  /** Found by ImageEventDeserializerFuzzTest: a map block count beyond Avro's collection limit escaped untyped. */
  @Test
  void mapBlockCountBeyondJavaCollectionsIsTooLargeNotAnUnsupportedOperation() {
    byte[] bad = withBody(e -> {
      e.writeString("img-1");
      e.writeString("cam-1");
      e.writeLong(1_764_300_000_123L);
      e.writeString("image/png");
      e.writeBytes(new byte[0]);
      e.writeLong(3_000_000_000L); // the attributes map's first block count
    }, 40);
    PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
        () -> bounded.deserialize("images", bad));
    assertTrue(e.getMessage().contains("map block declares more items than a Java collection can hold"),
        e.getMessage());
  }
}
