package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

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
}
