package dev.anyup.streams.topology;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Encoded test images: generated, so every test says what it feeds in. */
public final class TestImages {
  private TestImages() {}

  /** A {@code w×h} image with a diagonal gradient and a coloured square, encoded as {@code format}. */
  public static byte[] pattern(int w, int h, int seed, String format) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (x * 255 / Math.max(1, w - 1) + seed * 37) & 0xff;
        int g = (y * 255 / Math.max(1, h - 1) + seed * 11) & 0xff;
        int b = ((x + y) * 4 + seed * 73) & 0xff;
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    Graphics2D gr = img.createGraphics();
    gr.setColor(new Color(Color.HSBtoRGB((seed % 12) / 12f, 0.9f, 0.9f)));
    gr.fillRect(w / 4, h / 4, w / 3, h / 3);
    gr.dispose();
    return encode(img, format);
  }

  /** A solid-colour image. */
  public static byte[] solid(int w, int h, Color c, String format) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D gr = img.createGraphics();
    gr.setColor(c);
    gr.fillRect(0, 0, w, h);
    gr.dispose();
    return encode(img, format);
  }

  /** The first {@code fraction} of {@code bytes}. */
  public static byte[] truncated(byte[] bytes, double fraction) {
    return Arrays.copyOf(bytes, (int) (bytes.length * fraction));
  }

  /** A JPEG whose entropy-coded data has been overwritten with junk. */
  public static byte[] corruptJpeg() {
    byte[] b = pattern(64, 48, 3, "jpg");
    for (int i = b.length / 3; i < b.length - 2; i++) {
      b[i] = (byte) 0xff;
    }
    return b;
  }

  public static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalArgumentException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
