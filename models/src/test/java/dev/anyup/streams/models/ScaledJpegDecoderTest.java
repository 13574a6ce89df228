package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.ImageRejectedException.Reason;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/**
 * Issue 24: JPEGs decoded in the DCT domain at the scale the model input needs. The reduced decode must give the
 * preprocessor what the full decode gives it, within a stated tolerance, with the same transform; unusual files fall
 * back to the full decoder; damaged entropy-coded data is still rejected.
 */
class ScaledJpegDecoderTest {

  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};
  private static final Preprocessor P224 = Preprocessor.create(224, ResizeMode.SHORTER_SIDE_CENTER_CROP, MEAN, STD);
  private static final Preprocessor P448 = Preprocessor.create(448, ResizeMode.SHORTER_SIDE_CENTER_CROP, MEAN, STD);
  private static final ImageDecoder FULL = ImageDecoder.create(ImageLimits.defaults());
  private static final ImageDecoder FOR_224 = ImageDecoder.create(ImageLimits.defaults(), P224);
  private static final ImageDecoder FOR_448 = ImageDecoder.create(ImageLimits.defaults(), P448);
  /**
   * Largest per-value difference (normalised units: one grey level is about 0.017) between the preprocessed fast and
   * full decodes of a photo; measured 0.06-0.48 on these photos, the most at sharp edges, where the reduced IDCT's
   * band limit and the triangle filter differ.
   */
  private static final float MAX_DIFF = 0.75f;
  /** Mean per-value difference; measured 0.005-0.018 (about one grey level at most). */
  private static final float MEAN_DIFF = 0.03f;

  /** A scikit-image photo from the preprocessing fixtures, resized (bicubic) to {@code w×h}. */
  static BufferedImage photo(String name, int w, int h) {
    try (InputStream in = ScaledJpegDecoderTest.class.getResourceAsStream("/fixtures/preprocess/" + name)) {
      BufferedImage src = ImageIO.read(in);
      BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = out.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.drawImage(src, 0, 0, w, h, null);
      g.dispose();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Baseline JPEG at quality 0.9; {@code fullChroma} for 4:4:4 instead of the writer's 4:2:0; DRI if > 0. */
  static byte[] jpeg(BufferedImage img, boolean fullChroma, int restartInterval) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.9f);
      IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), param);
      String format = "javax_imageio_jpeg_image_1.0";
      IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
      IIOMetadataNode markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
      if (fullChroma) {
        Node spec = ((IIOMetadataNode) markers.getElementsByTagName("sof").item(0)).getFirstChild();
        for (; spec != null; spec = spec.getNextSibling()) {
          ((IIOMetadataNode) spec).setAttribute("HsamplingFactor", "1");
          ((IIOMetadataNode) spec).setAttribute("VsamplingFactor", "1");
        }
      }
      if (restartInterval > 0) {
        IIOMetadataNode dri = new IIOMetadataNode("dri");
        dri.setAttribute("interval", Integer.toString(restartInterval));
        markers.insertBefore(dri, markers.getElementsByTagName("sof").item(0));
      }
      meta.setFromTree(format, root);
      writer.write(null, new IIOImage(img, null, meta), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** {max, mean} |a - b| over the preprocessed tensors; the transforms must be identical. */
  private static float[] difference(DecodedImage fast, DecodedImage full, Preprocessor p) {
    PreprocessedImage a = p.apply(fast);
    PreprocessedImage b = p.apply(full);
    assertEquals(b.transform(), a.transform(), "the reduced decode records the full decode's transform");
    float max = 0;
    double sum = 0;
    for (int i = 0; i < a.chw().length; i++) {
      float d = Math.abs(a.chw()[i] - b.chw()[i]);
      max = Math.max(max, d);
      sum += d;
    }
    return new float[] {max, (float) (sum / a.chw().length)};
  }

  private static void assertClose(DecodedImage fast, DecodedImage full, Preprocessor p) {
    float[] d = difference(fast, full, p);
    assertTrue(d[0] <= MAX_DIFF && d[1] <= MEAN_DIFF, "max " + d[0] + " mean " + d[1]);
  }

  @Test
  void decodesA1080pPhotoAtQuarterScaleCloseToTheFullDecode() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 0);
    DecodedImage fast = FOR_224.decode("coffee", jpeg);
    assertEquals(4, fast.reduction());
    assertEquals(480, fast.width());
    assertEquals(270, fast.height());
    assertEquals(1920, fast.sourceWidth());
    assertEquals(1080, fast.sourceHeight());
    assertClose(fast, FULL.decode(jpeg), P224);
  }

  @Test
  void picksTheLargestScaleThatLeavesTheResizeEnoughPixels() {
    byte[] uhd = jpeg(photo("chelsea.png", 3840, 2160), false, 0);
    byte[] hd = jpeg(photo("chelsea.png", 1920, 1080), false, 0);
    byte[] vga = jpeg(photo("chelsea.png", 640, 480), false, 0);
    assertEquals(8, FOR_224.decode(uhd).reduction());
    assertEquals(4, FOR_448.decode(uhd).reduction());
    assertEquals(1, FOR_448.decode(hd).reduction(), "1/2 would do, but it does not pay: decoded in full");
    assertEquals(1, FOR_224.decode(vga).reduction(), "1/2 would do, but it does not pay: decoded in full");
    assertEquals(1, FOR_448.decode(vga).reduction(), "640x480 to 448: no scale leaves enough, decoded in full");
    assertClose(FOR_224.decode(uhd), FULL.decode(uhd), P224);
    assertClose(FOR_448.decode(uhd), FULL.decode(uhd), P448);
  }

  @Test
  void fullChromaGreyAndOddSizesMatchTheFullDecode() {
    BufferedImage colour = photo("chelsea.png", 2001, 1603);
    byte[] full444 = jpeg(colour, true, 0);
    assertEquals(4, FOR_224.decode(full444).reduction());
    assertClose(FOR_224.decode(full444), FULL.decode(full444), P224);

    BufferedImage grey = new BufferedImage(2001, 1603, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = grey.createGraphics();
    g.drawImage(colour, 0, 0, null);
    g.dispose();
    byte[] greyJpeg = jpeg(grey, false, 0);
    DecodedImage fast = FOR_224.decode(greyJpeg);
    assertEquals(4, fast.reduction());
    assertEquals(501, fast.width(), "ceil(2001 / 4)");
    assertClose(fast, FULL.decode(greyJpeg), P224);
  }

  @Test
  void framesWithTheirOwnHuffmanTablesDecodeWithTheirOwnTables() {
    BufferedImage img = photo("coffee.png", 1920, 1080);
    byte[] standard = jpeg(img, false, 0);
    byte[] optimised = optimisedHuffmanJpeg(img);
    assertTrue(!Arrays.equals(huffmanTables(standard), huffmanTables(optimised)), "the two files define other tables");
    DecodedImage firstStandard = FOR_224.decode(standard);
    DecodedImage firstOptimised = FOR_224.decode(optimised);
    assertClose(firstStandard, FULL.decode(standard), P224);
    assertClose(firstOptimised, FULL.decode(optimised), P224);
    for (int i = 0; i < 2; i++) { // the tables decoded once are kept: each file still gets its own
      assertArrayEquals(firstStandard.rgb(), FOR_224.decode(standard).rgb());
      assertArrayEquals(firstOptimised.rgb(), FOR_224.decode(optimised).rgb());
    }
  }

  private static byte[] optimisedHuffmanJpeg(BufferedImage img) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      JPEGImageWriteParam param = new JPEGImageWriteParam(null);
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.9f);
      param.setOptimizeHuffmanTables(true);
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** The bytes of every DHT segment, in order. */
  private static byte[] huffmanTables(byte[] jpeg) {
    ByteArrayOutputStream tables = new ByteArrayOutputStream();
    int p = 2;
    while ((jpeg[p + 1] & 0xff) != 0xDA) {
      int len = (jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff);
      if ((jpeg[p + 1] & 0xff) == 0xC4) {
        tables.write(jpeg, p + 4, len - 2);
      }
      p += 2 + len;
    }
    return tables.toByteArray();
  }

  @Test
  void followsRestartMarkers() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 7);
    DecodedImage fast = FOR_224.decode(jpeg);
    assertEquals(4, fast.reduction());
    assertClose(fast, FULL.decode(jpeg), P224);
  }

  @Test
  void rejectsAWrongRestartMarkerAsCorrupt() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 7);
    int at = indexOf(jpeg, (byte) 0xD1, headerEnd(jpeg));
    jpeg[at] = (byte) 0xD5;
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> FOR_224.decode("rst", jpeg));
    assertEquals(Reason.CORRUPT, e.reason());
    assertEquals(Reason.CORRUPT, assertThrows(ImageRejectedException.class, () -> FULL.decode("rst", jpeg)).reason(),
        "the full decoder rejects it too");
  }

  @Test
  void rejectsATruncatedJpegAsCorrupt() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 0);
    for (int cut : new int[] {jpeg.length / 2, jpeg.length - 3}) {
      byte[] part = Arrays.copyOf(jpeg, cut);
      ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> FOR_224.decode("cut", part));
      assertEquals(Reason.CORRUPT, e.reason(), "cut at " + cut + ": " + e.getMessage());
    }
  }

  @Test
  void rejectsAnInvalidHuffmanCodeAsCorrupt() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 0);
    int start = headerEnd(jpeg);
    for (int i = start + 1000; i < start + 1064; i++) {
      jpeg[i] = (byte) (i % 2 == 0 ? 0xFF : 0x00); // stuffed 0xFF bytes: all-ones bits, no code is 16 ones
    }
    ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> FOR_224.decode("bits", jpeg));
    assertEquals(Reason.CORRUPT, e.reason());
  }

  @Test
  void keepsTheDecoderLimits() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 0);
    ImageDecoder small = ImageDecoder.create(new ImageLimits(1 << 24, 1_000_000, 4096, 4096), P224);
    assertEquals(Reason.TOO_MANY_PIXELS, assertThrows(ImageRejectedException.class, () -> small.decode(jpeg)).reason());
    ImageDecoder narrow = ImageDecoder.create(new ImageLimits(1 << 24, 50_000_000, 1000, 4096), P224);
    assertEquals(Reason.BAD_DIMENSIONS, assertThrows(ImageRejectedException.class, () -> narrow.decode(jpeg)).reason());
    ImageDecoder fewBytes = ImageDecoder.create(new ImageLimits(1000, 50_000_000, 4096, 4096), P224);
    assertEquals(Reason.TOO_MANY_BYTES, assertThrows(ImageRejectedException.class, () -> fewBytes.decode(jpeg)).reason());
  }

  @Test
  void progressiveJpegIsDecodedInFull() {
    BufferedImage img = photo("coffee.png", 1920, 1080);
    DecodedImage d = FOR_224.decode(TestImages.jpeg(img, true));
    assertEquals(1, d.reduction());
    assertEquals(1920, d.width());
  }

  @Test
  void appliesExifOrientationAndRecordsTheTurnedSourceSize() {
    byte[] jpeg = TestImages.withExifOrientation(jpeg(photo("coffee.png", 1920, 1080), false, 0), 6, false);
    DecodedImage fast = FOR_224.decode(jpeg);
    DecodedImage full = FULL.decode(jpeg);
    assertEquals(1080, full.width());
    assertArrayEquals(new int[] {1080, 1920, 270, 480, 4},
        new int[] {fast.sourceWidth(), fast.sourceHeight(), fast.width(), fast.height(), fast.reduction()});
    assertClose(fast, full, P224);
  }

  @Test
  void withoutATargetEveryJpegIsDecodedInFull() {
    byte[] jpeg = jpeg(photo("coffee.png", 1920, 1080), false, 0);
    DecodedImage d = ImageDecoder.create(ImageLimits.defaults(), null).decode(jpeg);
    assertEquals(1, d.reduction());
    assertArrayEquals(FULL.decode(jpeg).rgb(), d.rgb(), "bit for bit the full decode");
  }

  /** Index just past the SOS segment: the first entropy-coded byte. */
  private static int headerEnd(byte[] jpeg) {
    int p = 2;
    while ((jpeg[p + 1] & 0xff) != 0xDA) {
      p += 2 + ((jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff));
    }
    return p + 2 + ((jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff));
  }

  private static int indexOf(byte[] b, byte marker, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == (byte) 0xFF && b[i + 1] == marker) {
        return i + 1;
      }
    }
    throw new AssertionError("no marker " + (marker & 0xff));
  }
}
