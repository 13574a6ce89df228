package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.ImageRejectedException.Reason;
import org.junit.jupiter.api.Test;

/** Decoding the real sample images (scikit-image photos and crafted edge cases). */
class SampleImageDecodingTest {

  private final ImageDecoder decoder = ImageDecoder.create(ImageLimits.defaults());
  private final DecodedImage chelsea = decoder.decode(SampleImages.bytes("chelsea.png"));

  private DecodedImage decode(String name) {
    return decoder.decode(name, SampleImages.bytes(name));
  }

  private static void assertCloseTo(DecodedImage expected, DecodedImage actual, double maxMeanAbsDiff) {
    double d = SampleImages.meanAbsDiff(expected, actual);
    assertTrue(d <= maxMeanAbsDiff, "mean |diff| " + d + " > " + maxMeanAbsDiff);
  }

  @Test
  void decodesRgbPng() {
    assertEquals(451, chelsea.width());
    assertEquals(300, chelsea.height());
    assertEquals("png", chelsea.format());
  }

  @Test
  void decodesCmykJpegToTheSameColours() {
    DecodedImage cmyk = decode("chelsea_cmyk.jpg");
    assertEquals("jpeg", cmyk.format());
    assertCloseTo(chelsea, cmyk, 6.0); // q85 JPEG + CMYK round trip
  }

  @Test
  void appliesExifOrientation6ToARealPhoto() {
    DecodedImage rotated = decode("chelsea_exif_orientation6.jpg");
    assertEquals(451, rotated.width());
    assertEquals(300, rotated.height());
    assertCloseTo(chelsea, rotated, 6.0);
  }

  @Test
  void decodesBaselineAndProgressiveJpeg() {
    DecodedImage coffee = decode("coffee.png");
    DecodedImage progressive = decode("coffee_progressive.jpg");
    assertEquals(480, progressive.width());
    assertCloseTo(coffee, progressive, 6.0);
    assertEquals(512, decode("astronaut.jpg").width());
    assertEquals(342, decode("rocket.jpg").height());
  }

  @Test
  void decodesGrayAnd16BitGrayToTheSamePixels() {
    DecodedImage gray = decode("camera_gray.png");
    DecodedImage gray16 = decode("camera_gray16.png");
    assertEquals(256, gray.width());
    assertArrayEquals(gray.rgb(), gray16.rgb()); // value*257 scales back exactly
    int[] px = TestImages.rgbAt(gray, 100, 100);
    assertEquals(px[0], px[1]);
    assertEquals(px[1], px[2]);
  }

  @Test
  void decodesPalettePng() {
    DecodedImage palette = decode("chelsea_palette.png");
    assertCloseTo(chelsea, palette, 8.0); // 64-colour quantisation
  }

  @Test
  void compositesTransparentPixelsOnBlack() {
    DecodedImage horse = decode("horse_rgba.png");
    // background: white RGB with alpha 0 in the file, so black after compositing (the hidden colour must not leak)
    assertArrayEquals(new int[] {0, 0, 0}, TestImages.rgbAt(horse, 0, 0));
    assertArrayEquals(new int[] {139, 69, 19}, TestImages.rgbAt(horse, 128, 105)); // opaque brown silhouette
    DecodedImage ramp = decode("chelsea_alpha_ramp.png");
    assertArrayEquals(new int[] {0, 0, 0}, TestImages.rgbAt(ramp, 0, 150)); // alpha 0
    int[] opaque = TestImages.rgbAt(ramp, 450, 150); // alpha 255: the photo
    int[] photo = TestImages.rgbAt(chelsea, 450, 150);
    for (int c = 0; c < 3; c++) {
      assertEquals(photo[c], opaque[c], 1);
    }
  }

  @Test
  void decodesBmpGifFirstFrameAndWebp() {
    DecodedImage bmp = decode("chelsea.bmp");
    assertEquals("bmp", bmp.format());
    assertEquals(256, bmp.width());
    DecodedImage gif = decode("coffee_animated.gif");
    assertEquals("gif", gif.format());
    assertEquals(160, gif.width());
    assertEquals(107, gif.height());
    double[] coffee = SampleImages.meanColour(decode("coffee.png"));
    double[] astronaut = SampleImages.meanColour(decode("astronaut.jpg"));
    double[] first = SampleImages.meanColour(gif);
    assertTrue(distance(first, coffee) < distance(first, astronaut) / 2,
        "first GIF frame should be the coffee photo: " + java.util.Arrays.toString(first));
    DecodedImage webp = decode("chelsea_tiny.webp");
    assertEquals("webp", webp.format());
    assertEquals(128, webp.width());
    assertTrue(distance(SampleImages.meanColour(webp), SampleImages.meanColour(chelsea)) < 10);
  }

  private static double distance(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }

  @Test
  void refusesJpegCutInHalf() {
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decode("rocket_truncated_half.jpg"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("rocket_truncated_half.jpg"), e.getMessage());
  }

  @Test
  void refusesScikitImageTruncatedJpeg() {
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> decode("truncated.jpg")).reason());
  }

  @Test
  void refuses50000x50000PngFromItsHeader() {
    ImageDecoder roomy = ImageDecoder.create(new ImageLimits(1 << 20, 40_000_000L, 100_000, 100_000));
    ImageRejectedException e = assertThrows(ImageRejectedException.class,
        () -> roomy.decode("big", SampleImages.bytes("header_50000x50000.png")));
    assertEquals(Reason.TOO_MANY_PIXELS, e.reason());
    // with the defaults each side (50000) is within 65535, so the pixel count is what refuses it
    assertEquals(Reason.TOO_MANY_PIXELS, assertThrows(ImageRejectedException.class,
        () -> decode("header_50000x50000.png")).reason());
  }

  @Test
  void refusesZeroWidthPng() {
    assertEquals(Reason.BAD_DIMENSIONS, assertThrows(ImageRejectedException.class,
        () -> decode("header_zero_width.png")).reason());
  }

  @Test
  void refusesUnknownBytes() {
    assertEquals(Reason.UNSUPPORTED_FORMAT, assertThrows(ImageRejectedException.class,
        () -> decode("not_an_image.bin")).reason());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"chelsea.png", "chelsea.bmp", "chelsea_tiny.webp", "coffee_progressive.jpg", "chelsea_cmyk.jpg", "camera_gray16.png", "chelsea_palette.png"})
  void refusesEveryFormatCutShortInsteadOfReturningAPartialImage(String name) {
    byte[] bytes = SampleImages.bytes(name);
    for (double fraction : new double[] {0.3, 0.6, 0.9}) {
      byte[] cut = java.util.Arrays.copyOf(bytes, (int) (bytes.length * fraction));
      ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode(name, cut),
          name + " cut to " + fraction);
      assertEquals(Reason.CORRUPT, e.reason(), e.getMessage());
    }
  }

  @Test
  void animatedGifNeedsOnlyAnIntactFirstFrame() {
    byte[] gif = SampleImages.bytes("coffee_animated.gif");
    DecodedImage whole = decoder.decode(gif);
    // cut inside the first frame: refused
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class,
        () -> decoder.decode(java.util.Arrays.copyOf(gif, gif.length / 4))).reason());
    // cut inside the second frame: the first frame is complete and decodes exactly as before
    DecodedImage firstFrameOnly = decoder.decode(java.util.Arrays.copyOf(gif, gif.length * 9 / 10));
    assertArrayEquals(whole.rgb(), firstFrameOnly.rgb());
  }
}
