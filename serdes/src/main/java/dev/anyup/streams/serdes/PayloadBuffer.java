package dev.anyup.streams.serdes;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte sink whose array is sized from the previous payload, so big records (tens of MB of tensor
 * bytes) are written without repeated growth copies; {@link #toExactArray()} hands the array over without a copy
 * when the size hint was exact.
 */
final class PayloadBuffer extends OutputStream {
  private byte[] buf;
  private int count;

  PayloadBuffer(int initialCapacity) {
    buf = new byte[Math.max(initialCapacity, WireFormat.HEADER_SIZE + 16)];
  }

  byte[] array() {
    return buf;
  }

  void skip(int n) {
    ensure(n);
    count += n;
  }

  int size() {
    return count;
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  private void ensure(int extra) {
    int needed = count + extra;
    if (needed < 0) {
      throw new IllegalStateException("payload larger than 2 GiB");
    }
    if (needed > buf.length) {
      long grown = Math.max((long) buf.length * 2, needed);
      buf = Arrays.copyOf(buf, (int) Math.min(grown, Integer.MAX_VALUE - 8));
    }
  }

  byte[] toExactArray() {
    return count == buf.length ? buf : Arrays.copyOf(buf, count);
  }
}
