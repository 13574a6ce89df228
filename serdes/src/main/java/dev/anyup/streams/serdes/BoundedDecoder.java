package dev.anyup.streams.serdes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * A {@link Decoder} over an in-memory {@link BinaryDecoder} that checks every declared length before anything is
 * allocated for it. Avro's own decoder allocates a {@code bytes} or {@code string} value, and the datum reader an
 * array or map, at the size the payload DECLARES, before reading a byte of it: a 97-byte record that declares a
 * 2,000,000,000-byte image would allocate 2 GB (or throw {@link OutOfMemoryError}) before failing on end of input.
 * Here a bytes/string length or a collection block count must be at most {@code maxLength} and at most the bytes
 * actually left in the payload, else the decode fails with a {@link DeclaredLengthException}; so no payload can make
 * the reader allocate more than its own size (plus Avro's per-item object overhead) or {@code maxLength}.
 *
 * <p>A collection block count above the bytes left is refused because every array item and map entry of our
 * contracts takes at least one byte; an array of {@code null} (or of zero-size records) longer than the payload
 * would be refused too, and no schema of ours has one.
 *
 * <p>The remaining byte count comes from {@link BinaryDecoder#inputStream()}, whose {@code available()} is exact for a
 * decoder over a byte array (the whole array is its buffer); this class is only used that way.
 */
final class BoundedDecoder extends Decoder {
  private final BinaryDecoder in;
  private final long maxLength;

  BoundedDecoder(BinaryDecoder in, long maxLength) {
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maxLength must be positive but was " + maxLength);
    }
    this.in = in;
    this.maxLength = maxLength;
  }

  /** A declared length or count that exceeds the limit or the payload; {@link #truncated()} says which. */
  static final class DeclaredLengthException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean truncated;

    DeclaredLengthException(String message, boolean truncated) {
      super(message);
      this.truncated = truncated;
    }

    /** True when the payload is too short for the declared length (within the limit), false when over the limit. */
    boolean truncated() {
      return truncated;
    }
  }

  private int remaining() throws IOException {
    return in.inputStream().available();
  }

  private int checkedLength(String what, long declared) throws IOException {
    if (declared < 0) {
      throw new DeclaredLengthException(what + " declares a negative length " + declared, true);
    }
    if (declared > maxLength) {
      throw new DeclaredLengthException(what + " declares " + declared + " bytes, more than the limit of " + maxLength,
          false);
    }
    int left = remaining();
    if (declared > left) {
      throw new DeclaredLengthException(what + " declares " + declared + " bytes but only " + left
          + " are left in the payload", true);
    }
    return (int) declared;
  }

  private long checkedCount(String what, long count) throws IOException {
    if (count > maxLength) {
      throw new DeclaredLengthException(what + " block declares " + count + " items, more than the limit of "
          + maxLength, false);
    }
    int left = remaining();
    if (count > left) {
      throw new DeclaredLengthException(what + " block declares " + count + " items but only " + left
          + " bytes are left in the payload", true);
    }
    return count;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = checkedLength("string", in.readLong());
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
    }
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = checkedLength("string", in.readLong());
    byte[] bytes = new byte[length];
    in.readFixed(bytes, 0, length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public void skipString() throws IOException {
    in.skipString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = checkedLength("bytes", in.readLong());
    ByteBuffer result;
    if (old != null && old.hasArray() && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.arrayOffset() + result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipBytes();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checkedCount("array", avroCount("array", in::readArrayStart));
  }

  @Override
  public long arrayNext() throws IOException {
    return checkedCount("array", avroCount("array", in::arrayNext));
  }

  @Override
  public long skipArray() throws IOException {
    return avroCount("array", in::skipArray);
  }

  @Override
  public long readMapStart() throws IOException {
    return checkedCount("map", avroCount("map", in::readMapStart));
  }

  @Override
  public long mapNext() throws IOException {
    return checkedCount("map", avroCount("map", in::mapNext));
  }

  @Override
  public long skipMap() throws IOException {
    return avroCount("map", in::skipMap);
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }

  /** A call of the wrapped decoder that returns a block count. */
  private interface CountCall {
    long call() throws IOException;
  }

  /**
   * Avro checks a block count against the largest Java collection before it returns it, and throws an
   * {@link UnsupportedOperationException} (its {@code SystemLimitException}) for more: that is a declared length over
   * any limit, not a bug (found by {@code ImageEventDeserializerFuzzTest}).
   */
  private static long avroCount(String what, CountCall call) throws IOException {
    try {
      return call.call();
    } catch (UnsupportedOperationException e) {
      throw new DeclaredLengthException(what + " block declares more items than a Java collection can hold: "
          + e.getMessage(), false);
    }
  }
}
