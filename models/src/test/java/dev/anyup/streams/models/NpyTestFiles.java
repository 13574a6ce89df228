package dev.anyup.streams.models;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes npy v1 bytes the way numpy does, for tests. */
final class NpyTestFiles {

  private NpyTestFiles() {}

  static byte[] f4(int[] shape, float[] data) {
    return write("<f4", shape, data.length * 4, b -> {
      for (float v : data) {
        b.putFloat(v);
      }
    });
  }

  static byte[] f2(int[] shape, float[] data) {
    return write("<f2", shape, data.length * 2, b -> {
      for (float v : data) {
        b.putShort(Half.fromFloat(v));
      }
    });
  }

  private static byte[] write(String descr, int[] shape, int dataBytes, java.util.function.Consumer<ByteBuffer> body) {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    body.accept(b);
    return b.array();
  }
}
