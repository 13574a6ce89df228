package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.models.FeatureMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {
  @Test
  void writesNumpyFormat1WithShapeAndLittleEndianFloats(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.npy");
    NpyWriter.writeFloat32(f, new FeatureMap(2, 1, 3, new float[] {1f, -2f, 3.5f, 0f, 1e-3f, 7f}));
    byte[] b = Files.readAllBytes(f);
    assertEquals((byte) 0x93, b[0]);
    assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
    int headerLength = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertEquals(0, (10 + headerLength) % 64, "data must start 64-byte aligned");
    String header = new String(b, 10, headerLength, StandardCharsets.US_ASCII);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 3), }", header.strip());
    ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLength, 24).order(ByteOrder.LITTLE_ENDIAN);
    float[] got = new float[6];
    data.asFloatBuffer().get(got);
    assertEquals(-2f, got[1], 0f);
    assertEquals(1e-3f, got[4], 0f);
    assertEquals(b.length, 10 + headerLength + 24);
  }
}
