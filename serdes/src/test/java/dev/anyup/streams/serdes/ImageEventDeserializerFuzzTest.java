package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.anyup.streams.avro.ImageEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: every byte string given to the {@code ImageEvent} deserializer ends as a record (or null for a tombstone)
 * or one of its typed {@code SerializationException}s ({@link WrongMagicByteException},
 * {@link UnknownSchemaIdException}, {@link TruncatedPayloadException}, {@link PayloadTooLargeException},
 * {@link PayloadMismatchException}) — never another exception, an allocation beyond {@code avro.max.length}, or a hang.
 *
 * <p>The fuzz target builds most inputs on a valid header (magic byte and the registered schema id) so that the
 * fuzzer spends its time in the Avro body, where declared lengths live. Regression mode ({@code mvn verify}) runs the
 * stored inputs; {@link #mutatedRecordsEndAsARecordOrATypedRejection} gives CI 5,000 deterministic mutations of a
 * valid record. The fuzzing run (RELIABILITY.md):
 * {@code JAZZER_FUZZ=1 mvn -B -pl serdes -am test -Dtest=ImageEventDeserializerFuzzTest#deserializeEndsAsARecordOrATypedRejection
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ImageEventDeserializerFuzzTest {
  private static final Set<Class<?>> TYPED = Set.of(WrongMagicByteException.class, UnknownSchemaIdException.class,
      TruncatedPayloadException.class, PayloadTooLargeException.class, PayloadMismatchException.class);
  private static final SpecificAvroDeserializer<ImageEvent> DESERIALIZER = new SpecificAvroDeserializer<>(
      ImageEvent.class);
  private static final byte[] VALID;

  static {
    String scope = TestRecords.uniqueScope();
    Map<String, Object> cfg = new HashMap<>(TestRecords.mockConfig(scope));
    cfg.put(SchemaRegistryConfig.AVRO_MAX_LENGTH, Integer.toString(1 << 20));
    try (SpecificAvroSerializer<ImageEvent> serializer = new SpecificAvroSerializer<>()) {
      serializer.configure(TestRecords.mockConfig(scope), false);
      VALID = serializer.serialize("images", TestRecords.imageEvent("img-1"));
    }
    DESERIALIZER.configure(cfg, false);
  }

  @FuzzTest(maxExecutions = 20_000, maxDuration = "10m")
  void deserializeEndsAsARecordOrATypedRejection(FuzzedDataProvider data) {
    byte[] value = data.consumeBoolean()
        ? concat(java.util.Arrays.copyOf(VALID, 5), data.consumeRemainingAsBytes())
        : data.consumeRemainingAsBytes();
    deserializeOrReject(value);
  }

  @Test
  void mutatedRecordsEndAsARecordOrATypedRejection() {
    assertEquals("img-1", DESERIALIZER.deserialize("images", VALID).getImageId());
    Random r = new Random(10);
    for (int i = 0; i < 5000; i++) {
      byte[] b = VALID.clone();
      for (int edits = 1 + r.nextInt(3); edits > 0 && b.length > 5; edits--) {
        int at = 5 + r.nextInt(b.length - 5);
        switch (r.nextInt(3)) {
          case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
          case 1 -> b[at] = (byte) List.of(0x7f, 0xff, 0x80, 0x01, 0x00).get(r.nextInt(5)).intValue();
          default -> b = java.util.Arrays.copyOf(b, at);
        }
      }
      deserializeOrReject(b);
    }
  }

  /** A record or a typed rejection; anything else propagates and fails. */
  private static void deserializeOrReject(byte[] value) {
    try {
      DESERIALIZER.deserialize("images", value);
    } catch (RuntimeException e) {
      if (!TYPED.contains(e.getClass())) {
        throw new AssertionError("untyped rejection " + e.getClass().getName() + ": " + e.getMessage(), e);
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
