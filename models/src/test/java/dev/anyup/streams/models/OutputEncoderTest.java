package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputEncoderTest {

  private static FeatureMap randomMap(int c, int h, int w, long seed) {
    Random r = new Random(seed);
    float[] d = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      float range = (float) Math.pow(10, ch % 5 - 2); // channels of very different magnitudes: 0.01 .. 100
      for (int i = ch * h * w; i < (ch + 1) * h * w; i++) {
        d[i] = (float) r.nextGaussian() * range;
      }
    }
    return new FeatureMap(c, h, w, d);
  }

  @Test
  void float32RoundTripsExactly() {
    FeatureMap m = randomMap(4, 8, 9, 1);
    EncodedTensor t = OutputEncoder.create().encode(m, DType.FLOAT32, null);
    assertArrayEquals(new int[] {4, 8, 9}, t.shape());
    assertNull(t.scales());
    assertEquals(4 * 8 * 9 * 4, t.bytes().length);
    assertArrayEquals(m.data(), OutputEncoder.decode(t).data(), 0f);
  }

  @Test
  void float32IsLittleEndian() {
    EncodedTensor t = OutputEncoder.create().encode(new FeatureMap(1, 1, 1, new float[] {1f}), DType.FLOAT32, null);
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, t.bytes());
  }

  @Test
  void float16RelativeErrorWithinHalfUlp() {
    FeatureMap m = randomMap(5, 16, 16, 2);
    FeatureMap back = OutputEncoder.decode(OutputEncoder.create().encode(m, DType.FLOAT16, null));
    for (int i = 0; i < m.data().length; i++) {
      float v = m.data()[i];
      double bound = Math.max(Math.abs(v) * 0x1p-11, 0x1p-25);
      assertTrue(Math.abs(back.data()[i] - v) <= bound, "value " + v + " came back " + back.data()[i]);
    }
  }

  @Test
  void int8ErrorWithinHalfScalePerChannel() {
    FeatureMap m = randomMap(5, 16, 16, 3);
    EncodedTensor t = OutputEncoder.create().encode(m, DType.INT8, null);
    assertEquals(5, t.scales().length);
    FeatureMap back = OutputEncoder.decode(t);
    int plane = 256;
    for (int c = 0; c < 5; c++) {
      float max = 0;
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        max = Math.max(max, Math.abs(m.data()[i]));
      }
      assertEquals(max / 127f, t.scales()[c], 1e-6f * max);
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        assertTrue(Math.abs(back.data()[i] - m.data()[i]) <= t.scales()[c] * 0.5f + 1e-6f * max,
            "channel " + c + " value " + m.data()[i] + " came back " + back.data()[i]);
      }
    }
  }

  @Test
  void int8RoundsHalfAwayFromZero() {
    // max 127 gives scale 1, so the codes are the values rounded
    FeatureMap m = new FeatureMap(1, 1, 8, new float[] {127, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, 0.49f, -126.5f});
    EncodedTensor t = OutputEncoder.create().encode(m, DType.INT8, null);
    assertEquals(1f, t.scales()[0]);
    assertArrayEquals(new byte[] {127, 1, -1, 2, -2, 3, 0, -127}, t.bytes());
  }

  @Test
  void int8ZeroChannelDecodesToZero() {
    EncodedTensor t = OutputEncoder.create().encode(new FeatureMap(1, 2, 2, new float[4]), DType.INT8, null);
    assertArrayEquals(new float[4], OutputEncoder.decode(t).data(), 0f);
  }

  @Test
  void int8RefusesNonFiniteValuesNamingTheChannel() {
    FeatureMap m = new FeatureMap(2, 1, 2, new float[] {0, 1, Float.NaN, 2});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OutputEncoder.create().encode(m, DType.INT8, null));
    assertTrue(e.getMessage().contains("channel 1"), e.getMessage());
  }

  @Test
  void projectsThenResizesAndRecordsProjectionId() {
    // projection keeping channel 0 minus mean and the sum of channels 1 and 2
    Projection p = new Projection("p2", 3, 2, new float[] {1, 0, 0, 0, 1, 1}, new float[] {0.5f, 0, 0});
    float[] d = new float[3 * 4 * 4];
    java.util.Arrays.fill(d, 0, 16, 2f);
    java.util.Arrays.fill(d, 16, 32, 1f);
    java.util.Arrays.fill(d, 32, 48, 3f);
    EncodedTensor t = OutputEncoder.resizingTo(2).encode(new FeatureMap(3, 4, 4, d), DType.FLOAT32, p);
    assertEquals("p2", t.projectionId());
    assertArrayEquals(new int[] {2, 2, 2}, t.shape());
    FeatureMap back = OutputEncoder.decode(t);
    assertEquals(1.5f, back.get(0, 1, 1), 1e-6f);
    assertEquals(4f, back.get(1, 0, 0), 1e-6f);
  }

  @Test
  void encodedSizeMatchesEncodedBytes() {
    for (DType d : DType.values()) {
      EncodedTensor t = OutputEncoder.create().encode(randomMap(3, 5, 7, 4), d, null);
      assertEquals(OutputEncoder.encodedSize(3, 5, 7, d), t.bytes().length, d.name());
    }
    assertEquals(384L * 224 * 224 * 4, OutputEncoder.encodedSize(384, 224, 224, DType.FLOAT32));
  }

  @Test
  void projectionMatchesADoublePrecisionReferenceAcrossPixelBlocks() {
    // 40 x 41 pixels: not a multiple of the block size; 26 channels: four at a time plus a remainder of two; a mean
    // far from zero checks the folded mean offset
    int in = 26;
    int out = 5;
    int h = 40;
    int w = 41;
    java.util.Random rnd = new java.util.Random(3);
    float[] basis = new float[out * in];
    float[] mean = new float[in];
    float[] data = new float[in * h * w];
    for (int i = 0; i < basis.length; i++) {
      basis[i] = (float) rnd.nextGaussian() / 5;
    }
    for (int c = 0; c < in; c++) {
      mean[c] = 3f + (float) rnd.nextGaussian();
      for (int p = 0; p < h * w; p++) {
        data[c * h * w + p] = mean[c] + (float) rnd.nextGaussian();
      }
    }
    basis[7] = 0f; // a zero weight is skipped
    FeatureMap got = new Projection("r", in, out, basis, mean).apply(new FeatureMap(in, h, w, data));
    double worst = 0;
    for (int o = 0; o < out; o++) {
      for (int p = 0; p < h * w; p++) {
        double ref = 0;
        for (int c = 0; c < in; c++) {
          ref += (double) basis[o * in + c] * ((double) data[c * h * w + p] - mean[c]);
        }
        worst = Math.max(worst, Math.abs(ref - got.data()[o * h * w + p]));
      }
    }
    // float32 sums of 26 products of values up to ~6 (relative 6e-8 each): 1e-5 is ~20x the rounding
    assertTrue(worst < 1e-5, "max |diff| " + worst);
  }
}
