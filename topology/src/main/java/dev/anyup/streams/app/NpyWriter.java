package dev.anyup.streams.app;

import dev.anyup.streams.models.FeatureMap;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a {@link FeatureMap} as a NumPy {@code .npy} file (format 1.0, little-endian float32, shape [C,H,W]). */
final class NpyWriter {
  private NpyWriter() {}

  static void writeFloat32(Path file, FeatureMap map) throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + map.channels() + ", " + map.height() + ", "
        + map.width() + "), }";
    // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
    int unpadded = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer head = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
    head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    head.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    float[] data = map.data();
    ByteBuffer body = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    body.asFloatBuffer().put(data);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(head.array());
      out.write(body.array());
    }
  }
}
