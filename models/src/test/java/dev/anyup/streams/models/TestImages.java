package dev.anyup.streams.models;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Builds encoded test images in memory. */
final class TestImages {

  private TestImages() {}

  /** Left half {@code left}, right half {@code right}. */
  static BufferedImage halves(int w, int h, Color left, Color right, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    Graphics2D g = img.createGraphics();
    g.setColor(left);
    g.fillRect(0, 0, w / 2, h);
    g.setColor(right);
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    return img;
  }

  static BufferedImage solid(int w, int h, Color c, int type) {
    return halves(w, h, c, c, type);
  }

  static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format + " type " + img.getType());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] jpeg(BufferedImage img, boolean progressive) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.95f);
      if (progressive) {
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** Inserts an APP1 Exif segment with the given orientation right after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
    ByteBuffer tiff = ByteBuffer.allocate(26).order(littleEndian
        ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
    tiff.put(littleEndian ? (byte) 'I' : (byte) 'M').put(littleEndian ? (byte) 'I' : (byte) 'M');
    tiff.putShort((short) 42).putInt(8);
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] t = tiff.array();
    int len = 2 + 6 + t.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0xD8);
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len & 0xff);
    out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(t);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** A PNG signature + IHDR (no image data): enough for a header read. */
  static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    b.putInt(13);
    int start = b.position();
    b.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height);
    b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(b.array(), start, 17);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** A 2-colour palette image whose index 1 is fully transparent. */
  static BufferedImage paletteWithTransparency(int w, int h) {
    IndexColorModel cm = new IndexColorModel(8, 2,
        new byte[] {(byte) 200, (byte) 255}, new byte[] {(byte) 100, (byte) 255}, new byte[] {(byte) 50, (byte) 255},
        new byte[] {(byte) 255, 0});
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
    for (int y = 0; y < h; y++) {
      for (int x = w / 2; x < w; x++) {
        img.getRaster().setSample(x, y, 0, 1);
      }
    }
    return img;
  }

  /** A two-frame GIF: first frame {@code first}, second {@code second}. */
  static byte[] twoFrameGif(int w, int h, Color first, Color second) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.prepareWriteSequence(null);
      writer.writeToSequence(new IIOImage(solid(w, h, first, BufferedImage.TYPE_BYTE_INDEXED), null, null), null);
      writer.writeToSequence(new IIOImage(solid(w, h, second, BufferedImage.TYPE_BYTE_INDEXED), null, null), null);
      writer.endWriteSequence();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  static int[] rgbAt(DecodedImage img, int x, int y) {
    int i = (y * img.width() + x) * 3;
    return new int[] {img.rgb()[i] & 0xff, img.rgb()[i + 1] & 0xff, img.rgb()[i + 2] & 0xff};
  }
}
