package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

  static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] STD = {0.229f, 0.224f, 0.225f};

  static DecodedImage randomImage(int w, int h, long seed) {
    byte[] rgb = new byte[w * h * 3];
    new Random(seed).nextBytes(rgb);
    return new DecodedImage(w, h, rgb, "test");
  }

  static DecodedImage constantImage(int w, int h, int r, int g, int b) {
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (byte) r;
      rgb[i + 1] = (byte) g;
      rgb[i + 2] = (byte) b;
    }
    return new DecodedImage(w, h, rgb, "test");
  }

  @Test
  void sameSizeSquashIsExactNormalisation() {
    DecodedImage img = randomImage(16, 16, 1);
    PreprocessedImage p = Preprocessor.create(16, ResizeMode.SQUASH, MEAN, STD).apply(img);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        for (int c = 0; c < 3; c++) {
          float expected = ((img.rgb()[(y * 16 + x) * 3 + c] & 0xff) / 255f - MEAN[c]) / STD[c];
          assertEquals(expected, p.chw()[c * 256 + y * 16 + x], 1e-5f);
        }
      }
    }
  }

  @Test
  void constantImageStaysConstantInEveryMode() {
    DecodedImage img = constantImage(333, 217, 10, 128, 250);
    for (ResizeMode mode : ResizeMode.values()) {
      PreprocessedImage p = Preprocessor.create(56, mode, MEAN, STD).apply(img);
      for (int y = 0; y < 56; y++) {
        for (int x = 0; x < 56; x++) {
          if (!p.transform().isContent(x, y)) {
            continue;
          }
          assertEquals((10 / 255f - MEAN[0]) / STD[0], p.chw()[y * 56 + x], 1e-4f, mode + " R");
          assertEquals((250 / 255f - MEAN[2]) / STD[2], p.chw()[2 * 56 * 56 + y * 56 + x], 1e-4f, mode + " B");
        }
      }
    }
  }

  @Test
  void centerCropTransformMapsTargetToSource() {
    ImageTransform t = Preprocessor.create(100, ResizeMode.SHORTER_SIDE_CENTER_CROP, MEAN, STD).transformFor(400, 200);
    assertEquals(0.5, t.scaleX(), 1e-12);
    assertEquals(0.5, t.scaleY(), 1e-12);
    assertEquals(100.0, t.cropX(), 1e-9);
    assertEquals(0.0, t.cropY(), 1e-9);
    assertEquals(200.0, t.cropWidth(), 1e-9);
    assertArrayEquals(new double[] {100, 0}, t.toSource(0, 0), 1e-9);
    assertArrayEquals(new double[] {300, 200}, t.toSource(100, 100), 1e-9);
    assertArrayEquals(new double[] {50.5, 25.5}, t.toTarget(201, 51), 1e-9);
  }

  @Test
  void centerCropLongSideFollowsTorchvisionFloor() {
    // torchvision Resize(224) on 640x427: short side 224, long side int(224*640/427) = 335; crop left round(55.5) = 56
    ImageTransform t = Preprocessor.create(224, ResizeMode.SHORTER_SIDE_CENTER_CROP, MEAN, STD).transformFor(640, 427);
    assertEquals(335.0 / 640, t.scaleX(), 1e-12);
    assertEquals(224.0 / 427, t.scaleY(), 1e-12);
    assertEquals(56 / (335.0 / 640), t.cropX(), 1e-9);
  }

  @Test
  void letterboxPadsWithZeroAfterNormalisation() {
    DecodedImage img = constantImage(200, 100, 255, 255, 255);
    PreprocessedImage p = Preprocessor.create(100, ResizeMode.LETTERBOX, MEAN, STD).apply(img);
    ImageTransform t = p.transform();
    assertEquals(25, t.padY());
    assertEquals(50, t.contentHeight());
    assertEquals(100, t.contentWidth());
    assertFalse(t.isContent(50, 24));
    assertTrue(t.isContent(50, 25));
    assertEquals(0f, p.chw()[24 * 100 + 50], 0f);
    assertEquals(0f, p.chw()[2 * 10000 + 75 * 100 + 50], 0f);
    assertEquals((1 - MEAN[0]) / STD[0], p.chw()[25 * 100 + 50], 1e-5f);
    assertArrayEquals(new double[] {0, 0}, t.toSource(0, 25), 1e-9);
    assertArrayEquals(new double[] {200, 100}, t.toSource(100, 75), 1e-9);
  }

  @Test
  void downscaleAveragesOverTheWholeFootprint() {
    // 2x downscale of alternating black/white columns must be uniform grey (antialiased), not aliased stripes
    byte[] rgb = new byte[64 * 64 * 3];
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x += 2) {
        for (int c = 0; c < 3; c++) {
          rgb[(y * 64 + x) * 3 + c] = (byte) 255;
        }
      }
    }
    PreprocessedImage p = Preprocessor.create(16, ResizeMode.SQUASH, new float[] {0, 0, 0}, new float[] {1, 1, 1})
        .apply(new DecodedImage(64, 64, rgb, "test"));
    for (int x = 1; x < 15; x++) {
      assertEquals(0.5f, p.chw()[8 * 16 + x], 1e-3f, "column " + x);
    }
  }

  @Test
  void rejectsBadArgumentsNamingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Preprocessor.create(0, ResizeMode.SQUASH, MEAN, STD));
    assertTrue(e.getMessage().contains("0"));
    e = assertThrows(IllegalArgumentException.class,
        () -> Preprocessor.create(8, ResizeMode.SQUASH, MEAN, new float[] {1, 0, 1}));
    assertTrue(e.getMessage().contains("channel 1"), e.getMessage());
  }

  @Test
  void transformMapsAMarkerBackToItsSourcePixels() {
    // black 300x200 source with a white 12x12 square centred on (206, 56)
    byte[] rgb = new byte[300 * 200 * 3];
    for (int y = 50; y < 62; y++) {
      for (int x = 200; x < 212; x++) {
        java.util.Arrays.fill(rgb, (y * 300 + x) * 3, (y * 300 + x) * 3 + 3, (byte) 255);
      }
    }
    DecodedImage img = new DecodedImage(300, 200, rgb, "test");
    float[] zero = {0, 0, 0};
    float[] one = {1, 1, 1};
    for (ResizeMode mode : ResizeMode.values()) {
      PreprocessedImage p = Preprocessor.create(64, mode, zero, one).apply(img);
      double sx = 0;
      double sy = 0;
      double total = 0;
      for (int y = 0; y < 64; y++) {
        for (int x = 0; x < 64; x++) {
          double v = p.chw()[y * 64 + x];
          sx += v * (x + 0.5);
          sy += v * (y + 0.5);
          total += v;
        }
      }
      double[] source = p.transform().toSource(sx / total, sy / total);
      assertEquals(206, source[0], 1.0, mode + " x");
      assertEquals(56, source[1], 1.0, mode + " y");
    }
  }
}
