package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.ImageRejectedException.Reason;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  private final ImageDecoder decoder = ImageDecoder.create(ImageLimits.defaults());

  private static void assertColour(int[] expected, int[] actual, int tolerance) {
    for (int c = 0; c < 3; c++) {
      assertTrue(Math.abs(expected[c] - actual[c]) <= tolerance,
          "expected " + Arrays.toString(expected) + " ±" + tolerance + " got " + Arrays.toString(actual));
    }
  }

  @Test
  void decodesRgbPngExactly() {
    byte[] png = TestImages.encode(TestImages.halves(10, 6, new Color(10, 20, 30), new Color(200, 150, 100),
        BufferedImage.TYPE_INT_RGB), "png");
    DecodedImage img = decoder.decode("a", png);
    assertEquals(10, img.width());
    assertEquals(6, img.height());
    assertEquals("png", img.format());
    assertArrayEquals(new int[] {10, 20, 30}, TestImages.rgbAt(img, 0, 0));
    assertArrayEquals(new int[] {200, 150, 100}, TestImages.rgbAt(img, 9, 5));
  }

  @Test
  void decodesGrayPngToEqualChannels() {
    byte[] png = TestImages.encode(TestImages.solid(4, 4, new Color(77, 77, 77), BufferedImage.TYPE_BYTE_GRAY), "png");
    assertArrayEquals(new int[] {77, 77, 77}, TestImages.rgbAt(decoder.decode(png), 1, 1));
  }

  @Test
  void decodes16BitGrayPngScaledTo8Bits() {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        r.setSample(x, y, 0, 65535 * x / 2);
      }
    }
    DecodedImage d = decoder.decode(TestImages.encode(img, "png"));
    assertArrayEquals(new int[] {0, 0, 0}, TestImages.rgbAt(d, 0, 0));
    assertArrayEquals(new int[] {127, 127, 127}, TestImages.rgbAt(d, 1, 1)); // 32767/65535*255 = 127.498
    assertArrayEquals(new int[] {255, 255, 255}, TestImages.rgbAt(d, 2, 0));
  }

  @Test
  void compositesAlphaPngOnBlack() {
    byte[] png = TestImages.encode(TestImages.solid(4, 4, new Color(200, 100, 50, 128), BufferedImage.TYPE_INT_ARGB), "png");
    // 128/255 coverage of (200,100,50) over black
    assertColour(new int[] {100, 50, 25}, TestImages.rgbAt(decoder.decode(png), 2, 2), 1);
  }

  @Test
  void compositesTransparentPaletteEntryOnBlack() {
    byte[] png = TestImages.encode(TestImages.paletteWithTransparency(8, 2), "png");
    DecodedImage d = decoder.decode(png);
    assertArrayEquals(new int[] {200, 100, 50}, TestImages.rgbAt(d, 0, 0));
    assertArrayEquals(new int[] {0, 0, 0}, TestImages.rgbAt(d, 7, 1));
  }

  @Test
  void decodesBaselineAndProgressiveJpeg() {
    BufferedImage src = TestImages.halves(32, 16, new Color(220, 30, 40), new Color(20, 40, 200), BufferedImage.TYPE_3BYTE_BGR);
    for (boolean progressive : new boolean[] {false, true}) {
      DecodedImage d = decoder.decode(TestImages.jpeg(src, progressive));
      assertEquals("jpeg", d.format());
      assertEquals(32, d.width());
      assertColour(new int[] {220, 30, 40}, TestImages.rgbAt(d, 2, 8), 12);
      assertColour(new int[] {20, 40, 200}, TestImages.rgbAt(d, 29, 8), 12);
    }
  }

  @Test
  void appliesExifOrientationRotate90Clockwise() {
    // left red, right blue; orientation 6 = display rotated 90° clockwise: red on top, blue at the bottom
    byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(
        TestImages.halves(32, 16, Color.RED, Color.BLUE, BufferedImage.TYPE_3BYTE_BGR), false), 6, false);
    DecodedImage d = decoder.decode(jpeg);
    assertEquals(16, d.width());
    assertEquals(32, d.height());
    assertColour(new int[] {255, 0, 0}, TestImages.rgbAt(d, 8, 3), 20);
    assertColour(new int[] {0, 0, 255}, TestImages.rgbAt(d, 8, 28), 20);
  }

  @Test
  void appliesEveryExifOrientation() {
    BufferedImage src = new BufferedImage(32, 16, BufferedImage.TYPE_3BYTE_BGR);
    java.awt.Graphics2D g = src.createGraphics();
    g.setColor(Color.BLACK);
    g.fillRect(0, 0, 32, 16);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 8, 8); // white marker in the top-left corner
    g.dispose();
    byte[] base = TestImages.jpeg(src, false);
    // where the marker must appear after orientation o, as (x, y) in the displayed image
    int[][] marker = {null, {3, 3}, {28, 3}, {28, 12}, {3, 12}, {3, 3}, {12, 3}, {12, 28}, {3, 28}};
    for (int o = 1; o <= 8; o++) {
      DecodedImage d = decoder.decode(TestImages.withExifOrientation(base, o, o % 2 == 0));
      assertEquals(o >= 5 ? 16 : 32, d.width(), "width for orientation " + o);
      int[] m = marker[o];
      assertTrue(TestImages.rgbAt(d, m[0], m[1])[0] > 200, "marker for orientation " + o);
    }
  }

  @Test
  void decodesBmp() {
    byte[] bmp = TestImages.encode(TestImages.halves(6, 4, new Color(1, 2, 3), new Color(250, 251, 252),
        BufferedImage.TYPE_3BYTE_BGR), "bmp");
    DecodedImage d = decoder.decode(bmp);
    assertEquals("bmp", d.format());
    assertArrayEquals(new int[] {1, 2, 3}, TestImages.rgbAt(d, 0, 3));
    assertArrayEquals(new int[] {250, 251, 252}, TestImages.rgbAt(d, 5, 0));
  }

  @Test
  void decodesFirstFrameOfAnimatedGif() {
    DecodedImage d = decoder.decode(TestImages.twoFrameGif(8, 8, Color.RED, Color.GREEN));
    assertEquals("gif", d.format());
    assertColour(new int[] {255, 0, 0}, TestImages.rgbAt(d, 4, 4), 8);
  }

  @Test
  void refusesHugePngHeaderWithoutDecoding() {
    byte[] header = TestImages.pngHeaderOnly(50_000, 50_000);
    ImageDecoder roomy = ImageDecoder.create(new ImageLimits(1 << 20, 40_000_000L, 100_000, 100_000));
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> roomy.decode("huge", header));
    assertEquals(Reason.TOO_MANY_PIXELS, e.reason());
    assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("50000x50000")
        && e.getMessage().contains("40000000"), e.getMessage());
  }

  @Test
  void refusesWidthOverLimit() {
    ImageRejectedException e = assertThrows(ImageRejectedException.class,
        () -> decoder.decode(TestImages.pngHeaderOnly(70_000, 10)));
    assertEquals(Reason.BAD_DIMENSIONS, e.reason());
    assertTrue(e.getMessage().contains("65535"), e.getMessage());
  }

  @Test
  void decodesA20000By2StripWithTheDefaultLimits() {
    // issue 10: a fixed 16,384-pixel side limit refused this valid strip
    DecodedImage strip = decoder.decode("strip", TestImages.encode(
        TestImages.halves(20_000, 2, Color.RED, Color.BLUE, BufferedImage.TYPE_INT_RGB), "png"));
    assertEquals(20_000, strip.width());
    assertEquals(2, strip.height());
    assertArrayEquals(new int[] {0, 0, 255}, TestImages.rgbAt(strip, 19_999, 1));
  }

  @Test
  void refusesASideOverAConfiguredSideLimit() {
    ImageDecoder narrow = ImageDecoder.create(new ImageLimits(1 << 20, 1_000_000L, 1000, 1000));
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> narrow.decode("strip",
        TestImages.encode(TestImages.solid(1001, 2, Color.RED, BufferedImage.TYPE_INT_RGB), "png")));
    assertEquals(Reason.BAD_DIMENSIONS, e.reason());
    assertTrue(e.getMessage().contains("1001x2") && e.getMessage().contains("1000x1000"), e.getMessage());
  }

  @Test
  void defaultsAre20MiB50MegapixelsAnd65535PerSide() {
    ImageLimits d = ImageLimits.defaults();
    assertEquals(20L * 1024 * 1024, d.maxEncodedBytes());
    assertEquals(50_000_000L, d.maxPixels());
    assertEquals(65_535, d.maxWidth());
    assertEquals(65_535, d.maxHeight());
  }

  private static byte[] png(int w, int h) {
    return TestImages.encode(TestImages.halves(w, h, Color.ORANGE, Color.CYAN, BufferedImage.TYPE_INT_RGB), "png");
  }

  /** Offset of the first chunk of {@code type} in {@code png}. */
  private static int chunk(byte[] png, String type) {
    for (int pos = 8; pos + 8 <= png.length; ) {
      int length = java.nio.ByteBuffer.wrap(png, pos, 4).getInt();
      if (new String(png, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1).equals(type)) {
        return pos;
      }
      pos += 12 + length;
    }
    throw new AssertionError("no " + type + " chunk");
  }

  @Test
  void refusesPngWhoseIhdrCrcIsWrong() {
    byte[] png = png(16, 8);
    int ihdr = chunk(png, "IHDR");
    png[ihdr + 8 + 13] ^= 0x01; // first CRC byte
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode("bad-crc", png));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("bad-crc") && e.getMessage().contains("'IHDR'")
        && e.getMessage().contains("bad CRC"), e.getMessage());
  }

  @Test
  void refusesPngWhoseIhdrWasAlteredBehindItsCrc() {
    byte[] png = png(16, 8);
    int ihdr = chunk(png, "IHDR");
    png[ihdr + 8 + 3] = 8; // width 16 -> 8, CRC left as it was: decodes as a wrong image without the check
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode("altered", png));
    assertEquals(Reason.CORRUPT, e.reason());
  }

  @Test
  void refusesPngWhoseImageDataChunkCrcIsWrong() {
    byte[] png = png(16, 8);
    int idat = chunk(png, "IDAT");
    int length = java.nio.ByteBuffer.wrap(png, idat, 4).getInt();
    png[idat + 8 + length + 3] ^= 0x40;
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode("idat", png));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("'IDAT'"), e.getMessage());
  }

  @Test
  void refusesPngChunkLongerThanTheBytesLeft() {
    byte[] png = png(16, 8);
    int idat = chunk(png, "IDAT");
    java.nio.ByteBuffer.wrap(png, idat, 4).putInt(Integer.MAX_VALUE);
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode("long", png));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("declares 2147483647 bytes"), e.getMessage());
  }

  @Test
  void decodesPngsWithValidCrcsInEveryChunk() {
    assertEquals(16, decoder.decode(png(16, 8)).width());
    assertEquals(8, decoder.decode(TestImages.encode(TestImages.paletteWithTransparency(8, 4), "png")).width());
  }

  @Test
  void refusesZeroSizedPng() {
    ImageRejectedException e = assertThrows(ImageRejectedException.class,
        () -> decoder.decode(TestImages.pngHeaderOnly(0, 10)));
    assertEquals(Reason.BAD_DIMENSIONS, e.reason());
  }

  @Test
  void refusesTooManyBytes() {
    ImageDecoder small = ImageDecoder.create(new ImageLimits(100, 1000, 100, 100));
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> small.decode("x", new byte[101]));
    assertEquals(Reason.TOO_MANY_BYTES, e.reason());
    assertTrue(e.getMessage().contains("101") && e.getMessage().contains("100"), e.getMessage());
  }

  @Test
  void refusesUnknownAndEmptyInput() {
    assertEquals(Reason.UNSUPPORTED_FORMAT, assertThrows(ImageRejectedException.class,
        () -> decoder.decode("hello world, not an image".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).reason());
    assertEquals(Reason.UNSUPPORTED_FORMAT, assertThrows(ImageRejectedException.class,
        () -> decoder.decode(new byte[0])).reason());
  }

  @Test
  void refusesJpegCutInHalf() {
    byte[] jpeg = TestImages.jpeg(TestImages.halves(256, 256, Color.ORANGE, Color.CYAN, BufferedImage.TYPE_3BYTE_BGR), false);
    byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> decoder.decode("cut", half)).reason());
  }

  @Test
  void refusesProgressiveJpegCutShort() {
    byte[] jpeg = TestImages.jpeg(TestImages.halves(256, 256, Color.ORANGE, Color.CYAN, BufferedImage.TYPE_3BYTE_BGR), true);
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> decoder.decode("cut", cut)).reason());
  }

  @Test
  void refusesTruncatedPng() {
    byte[] png = TestImages.encode(TestImages.halves(200, 200, Color.ORANGE, Color.CYAN, BufferedImage.TYPE_INT_RGB), "png");
    byte[] cut = Arrays.copyOf(png, png.length / 2);
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> decoder.decode(cut)).reason());
  }

  @Test
  void refusesTruncatedGif() {
    byte[] gif = TestImages.encode(TestImages.halves(200, 200, Color.ORANGE, Color.CYAN, BufferedImage.TYPE_BYTE_INDEXED), "gif");
    byte[] cut = Arrays.copyOf(gif, gif.length / 2);
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> decoder.decode(cut)).reason());
  }

  @Test
  void decodesConcurrentlyFromOneInstance() throws Exception {
    byte[] png = TestImages.encode(TestImages.halves(64, 32, Color.RED, Color.BLUE, BufferedImage.TYPE_INT_RGB), "png");
    byte[] jpeg = TestImages.jpeg(TestImages.halves(64, 32, Color.RED, Color.BLUE, BufferedImage.TYPE_3BYTE_BGR), false);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<DecodedImage>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < 64; i++) {
        byte[] bytes = i % 2 == 0 ? png : jpeg;
        futures.add(pool.submit(() -> decoder.decode(bytes)));
      }
      for (java.util.concurrent.Future<DecodedImage> f : futures) {
        DecodedImage d = f.get();
        assertEquals(64, d.width());
        assertColour(new int[] {255, 0, 0}, TestImages.rgbAt(d, 5, 16), 10);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
