package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

  @Test
  void readsFloat32COrder() {
    float[] data = {1f, -2.5f, 3.25f, 0f, 1e-7f, 65504f};
    Npy npy = Npy.parse(NpyTestFiles.f4(new int[] {2, 3}, data));
    assertArrayEquals(new int[] {2, 3}, npy.shape());
    assertArrayEquals(data, npy.data(), 0f);
  }

  @Test
  void readsFloat16WidenedExactly() {
    float[] data = {1f, -2.5f, 0.099975586f, 65504f};
    Npy npy = Npy.parse(NpyTestFiles.f2(new int[] {4}, data));
    assertArrayEquals(new int[] {4}, npy.shape());
    assertArrayEquals(data, npy.data(), 0f);
  }

  @Test
  void refusesOtherDtypes() {
    byte[] bytes = NpyTestFiles.f4(new int[] {1}, new float[] {1f});
    byte[] f8 = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.parse(f8));
    assertTrue(e.getMessage().contains("<f8"), e.getMessage());
  }

  @Test
  void refusesDataShorterThanShape() {
    byte[] bytes = NpyTestFiles.f4(new int[] {2}, new float[] {1f, 2f});
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 4);
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(cut));
  }

  @Test
  void writesNumpyFormat1WithShapeAndLittleEndianFloats(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.npy");
    float[] values = {1f, -2f, 3.5f, 0f, 1e-3f, 7f};
    Npy.write(f, new FeatureMap(2, 1, 3, values));
    byte[] b = Files.readAllBytes(f);
    assertEquals((byte) 0x93, b[0]);
    assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
    int headerLength = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertEquals(0, (10 + headerLength) % 64, "data must start 64-byte aligned");
    String header = new String(b, 10, headerLength, StandardCharsets.US_ASCII);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 3), }", header.strip());
    assertEquals(b.length, 10 + headerLength + 24);
    Npy back = Npy.read(f);
    assertArrayEquals(new int[] {2, 1, 3}, back.shape());
    assertArrayEquals(values, back.data(), 0f);
  }
}
