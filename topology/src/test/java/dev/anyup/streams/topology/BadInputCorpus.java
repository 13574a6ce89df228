package dev.anyup.streams.topology;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The bad-input corpus of issue 10, generated at test time (no binary files): odd and broken images, each with the
 * outcome the app must give it — an output, or a dead letter at stage {@code decode} with a reason code. Kafka-level
 * kinds (wrong magic byte, unknown schema id, truncated Avro, ...) need a registry and are built by the test itself.
 * Every image here is small: the pixel limit of the test ({@link #MAX_PIXELS}) makes the bombs bombs.
 */
public final class BadInputCorpus {
  /** The {@code limits.image.max.pixels} the corpus assumes. */
  public static final long MAX_PIXELS = 4_000_000;

  private BadInputCorpus() {}

  /**
   * One input image and what must become of it.
   *
   * @param reason null when the image must be processed (an output), else the {@code decode} reason code
   */
  public record Case(String kind, String contentType, byte[] image, String reason) {}

  /** Every image-level kind. */
  public static List<Case> images() {
    List<Case> c = new ArrayList<>();
    String[] formats = {"png", "jpg", "bmp", "gif"};
    for (String f : formats) {
      byte[] good = TestImages.pattern(96, 64, 7, f);
      // 3 bytes: JPEG (FF D8 FF) and BMP ("BM") are recognised from them and then found damaged; PNG and GIF need more
      c.add(new Case("truncated-" + f + "-in-signature", type(f), Arrays.copyOf(good, 3),
          f.equals("jpg") || f.equals("bmp") ? "CORRUPT" : "UNSUPPORTED_FORMAT"));
      c.add(new Case("truncated-" + f + "-after-header", type(f), Arrays.copyOf(good, headerEnd(f)), "CORRUPT"));
      c.add(new Case("truncated-" + f + "-half", type(f), TestImages.truncated(good, 0.5), "CORRUPT"));
      c.add(new Case("truncated-" + f + "-last-bytes", type(f), Arrays.copyOf(good, good.length - 3), "CORRUPT"));
    }
    // bombs by header: tiny files that declare huge images (refused from the header, nothing allocated)
    c.add(new Case("bomb-png-header-60000x60000", "image/png", pngHeaderOnly(60_000, 60_000), "TOO_MANY_PIXELS"));
    c.add(new Case("bomb-png-header-side-100000", "image/png", pngHeaderOnly(100_000, 1), "BAD_DIMENSIONS"));
    c.add(new Case("bomb-jpg-header-60000x60000", "image/jpeg", jpegWithSize(60_000, 60_000), "TOO_MANY_PIXELS"));
    c.add(new Case("bomb-gif-header-65000x65000", "image/gif", gifWithScreen(65_000, 65_000), "TOO_MANY_PIXELS"));
    c.add(new Case("bomb-bmp-header-60000x60000", "image/bmp", bmpWithSize(60_000, 60_000), "TOO_MANY_PIXELS"));
    // bombs by data: well-compressed images over the pixel limit, and a PNG whose IDAT inflates far past its raster
    c.add(new Case("bomb-png-data-solid-2100x2100", "image/png", TestImages.solid(2100, 2100, Color.RED, "png"),
        "TOO_MANY_PIXELS"));
    c.add(new Case("bomb-gif-data-solid-2100x2100", "image/gif", TestImages.solid(2100, 2100, Color.RED, "gif"),
        "TOO_MANY_PIXELS"));
    // decoded: the reader inflates only the raster the header declares (12 KB of pixels), never the 12 MB behind it
    c.add(new Case("bomb-png-idat-inflates-1000x", "image/png", pngWithOversizedIdat(), null));
    c.add(new Case("png-zero-width", "image/png", pngHeaderOnly(0, 10), "BAD_DIMENSIONS"));
    c.add(new Case("png-bad-ihdr-crc", "image/png", badIhdrCrc(), "CORRUPT"));
    c.add(new Case("jpeg-corrupt-entropy-data", "image/jpeg", TestImages.corruptJpeg(), "CORRUPT"));
    // polyglots and wrong labels: the bytes decide, never the label
    c.add(new Case("polyglot-png-then-zip", "image/png", concat(TestImages.pattern(40, 30, 1, "png"), zipStub()), null));
    c.add(new Case("polyglot-html-then-jpeg", "text/html",
        concat("<html><body>hi</body></html>".getBytes(StandardCharsets.US_ASCII),
            TestImages.pattern(40, 30, 1, "jpg")), "UNSUPPORTED_FORMAT"));
    c.add(new Case("polyglot-png-signature-then-jpeg", "image/png",
        concat(Arrays.copyOf(TestImages.pattern(8, 8, 1, "png"), 8), TestImages.pattern(40, 30, 1, "jpg")),
        "CORRUPT"));
    c.add(new Case("wrong-content-type-png-as-jpeg", "image/jpeg", TestImages.pattern(50, 40, 2, "png"), null));
    c.add(new Case("wrong-content-type-jpeg-as-text", "text/plain", TestImages.pattern(50, 40, 2, "jpg"), null));
    for (int o = 2; o <= 8; o++) {
      c.add(new Case("exif-orientation-" + o, "image/jpeg", withExifOrientation(TestImages.pattern(60, 40, o, "jpg"),
          o), null));
    }
    c.add(new Case("png-16-bit-gray", "image/png", sixteenBitGray(), null));
    c.add(new Case("png-alpha", "image/png", withAlpha(), null));
    c.add(new Case("gif-animated-two-frames", "image/gif", animatedGif(), null));
    c.add(new Case("png-1x1", "image/png", TestImages.pattern(1, 1, 3, "png"), null));
    c.add(new Case("jpg-1x1", "image/jpeg", TestImages.pattern(1, 1, 3, "jpg"), null));
    c.add(new Case("png-strip-20000x2", "image/png", TestImages.pattern(20_000, 2, 3, "png"), null));
    c.add(new Case("png-strip-1x3000", "image/png", TestImages.pattern(1, 3000, 3, "png"), null));
    c.add(new Case("unknown-random-bytes", "image/png", random(512), "UNSUPPORTED_FORMAT"));
    c.add(new Case("unknown-pdf", "application/pdf",
        "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".getBytes(StandardCharsets.US_ASCII), "UNSUPPORTED_FORMAT"));
    c.add(new Case("unknown-svg", "image/svg+xml",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"/>".getBytes(StandardCharsets.US_ASCII),
        "UNSUPPORTED_FORMAT"));
    c.add(new Case("unknown-heic-ftyp", "image/heic", heicStub(), "UNSUPPORTED_FORMAT"));
    c.add(new Case("empty-image", "image/png", new byte[0], "UNSUPPORTED_FORMAT"));
    return c;
  }

  private static String type(String format) {
    return switch (format) {
      case "jpg" -> "image/jpeg";
      default -> "image/" + format;
    };
  }

  /** Bytes up to the end of the format's fixed header (signature + first header structure). */
  private static int headerEnd(String format) {
    return switch (format) {
      case "png" -> 8 + 25; // signature + IHDR chunk
      case "jpg" -> 20; // SOI + APP0
      case "bmp" -> 54; // file header + BITMAPINFOHEADER
      default -> 13; // GIF header + logical screen descriptor
    };
  }

  private static byte[] chunk(String type, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(12 + data.length);
    b.putInt(data.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    b.put(t).put(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  private static byte[] ihdr(int w, int h) {
    return ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0)
        .put((byte) 0).array();
  }

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};

  /** A PNG of signature, a valid IHDR for {@code w×h}, a tiny IDAT and IEND. */
  private static byte[] pngHeaderOnly(int w, int h) {
    return concat(PNG_SIGNATURE, chunk("IHDR", ihdr(w, h)), chunk("IDAT", deflate(new byte[16])),
        chunk("IEND", new byte[0]));
  }

  /** A 64×64 RGB PNG whose IDAT inflates to 1000× the raster it declares. */
  private static byte[] pngWithOversizedIdat() {
    int raster = 64 * (1 + 64 * 3);
    return concat(PNG_SIGNATURE, chunk("IHDR", ihdr(64, 64)), chunk("IDAT", deflate(new byte[raster * 1000])),
        chunk("IEND", new byte[0]));
  }

  private static byte[] badIhdrCrc() {
    byte[] b = TestImages.pattern(30, 20, 1, "png");
    b[8 + 8 + 13] ^= 0x55; // first CRC byte of IHDR
    return b;
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(9);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  /** A small real JPEG whose SOF0 frame header is rewritten to declare {@code w×h}. */
  private static byte[] jpegWithSize(int w, int h) {
    byte[] b = TestImages.pattern(16, 16, 1, "jpg");
    for (int i = 2; i + 9 < b.length; i++) {
      if ((b[i] & 0xff) == 0xff && ((b[i + 1] & 0xff) == 0xc0 || (b[i + 1] & 0xff) == 0xc2)) {
        b[i + 5] = (byte) (h >> 8);
        b[i + 6] = (byte) h;
        b[i + 7] = (byte) (w >> 8);
        b[i + 8] = (byte) w;
        return b;
      }
    }
    throw new IllegalStateException("no SOF marker in the generated JPEG");
  }

  /** A small real GIF whose logical screen and first image descriptor declare {@code w×h}. */
  private static byte[] gifWithScreen(int w, int h) {
    byte[] b = TestImages.pattern(16, 16, 1, "gif");
    b[6] = (byte) w;
    b[7] = (byte) (w >> 8);
    b[8] = (byte) h;
    b[9] = (byte) (h >> 8);
    for (int i = 13; i + 9 < b.length; i++) {
      if (b[i] == 0x2c) { // image descriptor
        b[i + 5] = (byte) w;
        b[i + 6] = (byte) (w >> 8);
        b[i + 7] = (byte) h;
        b[i + 8] = (byte) (h >> 8);
        break;
      }
    }
    return b;
  }

  /** A small real BMP whose info header declares {@code w×h}. */
  private static byte[] bmpWithSize(int w, int h) {
    byte[] b = TestImages.pattern(16, 16, 1, "bmp");
    ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(18, w).putInt(22, h);
    return b;
  }

  private static byte[] zipStub() {
    return new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  }

  private static byte[] heicStub() {
    return concat(new byte[] {0, 0, 0, 24}, "ftypheic".getBytes(StandardCharsets.US_ASCII), new byte[12]);
  }

  /** Inserts an APP1 Exif segment with one Orientation tag right after SOI. */
  private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    ByteBuffer tiff = ByteBuffer.allocate(26);
    tiff.put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 1)
        .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0)
        .putInt(0);
    byte[] exif = concat("Exif\0\0".getBytes(StandardCharsets.US_ASCII), tiff.array());
    ByteBuffer seg = ByteBuffer.allocate(4 + exif.length);
    seg.put((byte) 0xff).put((byte) 0xe1).putShort((short) (2 + exif.length)).put(exif);
    return concat(Arrays.copyOf(jpeg, 2), seg.array(), Arrays.copyOfRange(jpeg, 2, jpeg.length));
  }

  private static byte[] sixteenBitGray() {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        r.setSample(x, y, 0, (x * 1600 + y * 700) & 0xffff);
      }
    }
    return TestImages.encode(img, "png");
  }

  private static byte[] withAlpha() {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        img.setRGB(x, y, ((x * 6) << 24) | (y * 8 << 8) | 0x40);
      }
    }
    return TestImages.encode(img, "png");
  }

  private static byte[] animatedGif() {
    try {
      ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
        w.setOutput(ios);
        w.prepareWriteSequence(null);
        for (int f = 0; f < 2; f++) {
          BufferedImage img = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
          img.setRGB(f, f, 0xff0000);
          IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), null);
          IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree("javax_imageio_gif_image_1.0");
          IIOMetadataNode gce = new IIOMetadataNode("GraphicControlExtension");
          gce.setAttribute("disposalMethod", "none");
          gce.setAttribute("userInputFlag", "FALSE");
          gce.setAttribute("transparentColorFlag", "FALSE");
          gce.setAttribute("delayTime", "10");
          gce.setAttribute("transparentColorIndex", "0");
          root.appendChild(gce);
          meta.mergeTree("javax_imageio_gif_image_1.0", root);
          w.writeToSequence(new IIOImage(img, null, meta), null);
        }
        w.endWriteSequence();
      }
      w.dispose();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new java.util.Random(42).nextBytes(b);
    b[0] = 0x13; // no known signature
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }
}
