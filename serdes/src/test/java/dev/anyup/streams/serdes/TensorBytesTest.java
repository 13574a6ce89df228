package dev.anyup.streams.serdes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.anyup.streams.avro.DType;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorBytesTest {

  @Test
  void everyNonNanHalfRoundTripsExactly() {
    for (int h = 0; h < 0x10000; h++) {
      float f = TensorBytes.halfToFloat((short) h);
      if (!Float.isNaN(f)) {
        assertEquals((short) h, TensorBytes.floatToHalf(f), () -> Float.toString(f));
      }
    }
  }

  @Test
  void halfEncodingMatchesKnownBitPatterns() {
    assertEquals((short) 0x3c00, TensorBytes.floatToHalf(1.0f));
    assertEquals((short) 0xc000, TensorBytes.floatToHalf(-2.0f));
    assertEquals((short) 0x3555, TensorBytes.floatToHalf(1.0f / 3));
    assertEquals((short) 0x7bff, TensorBytes.floatToHalf(65504f));
    assertEquals((short) 0x7c00, TensorBytes.floatToHalf(65520f)); // tie rounds to even = infinity
    assertEquals((short) 0x0001, TensorBytes.floatToHalf(0x1p-24f));
    assertEquals((short) 0x0000, TensorBytes.floatToHalf(0x1p-26f));
    assertEquals((short) 0x3c00, TensorBytes.floatToHalf(1.0f + 0x1p-11f)); // tie to even (down)
    assertEquals((short) 0x3c02, TensorBytes.floatToHalf(1.0f + 3 * 0x1p-11f)); // tie to even (up)
  }

  @Test
  void float32AndFloat16AreLittleEndian() {
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, TensorBytes.float32(new float[] {1.0f}));
    assertArrayEquals(new byte[] {0, 0x3c}, TensorBytes.float16(new float[] {1.0f}));
  }

  @Test
  void decodesEachDtype() {
    float[] values = {0.5f, -1.25f, 3.0f, 100f};
    assertArrayEquals(values, TensorBytes.toFloats(ByteBuffer.wrap(TensorBytes.float32(values)), DType.FLOAT32, List.of(), 2));
    assertArrayEquals(values, TensorBytes.toFloats(ByteBuffer.wrap(TensorBytes.float16(values)), DType.FLOAT16, List.of(), 2));
    byte[] int8 = {10, -20, 3, 127};
    assertArrayEquals(new float[] {1f, -2f, 1.5f, 63.5f},
        TensorBytes.toFloats(ByteBuffer.wrap(int8), DType.INT8, List.of(0.1f, 0.5f), 2), 1e-6f);
  }

  @Test
  void int8WithoutOneScalePerChannelIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TensorBytes.toFloats(ByteBuffer.wrap(new byte[4]), DType.INT8, List.of(1f), 2));
    assertEquals("INT8 needs one scale per channel: 1 scales for 2 channels", e.getMessage());
  }

  @Test
  void oddByteCountForFloat16IsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> TensorBytes.toFloats(ByteBuffer.wrap(new byte[3]), DType.FLOAT16, List.of(), 1));
  }
}
