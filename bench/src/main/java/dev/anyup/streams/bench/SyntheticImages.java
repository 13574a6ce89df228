package dev.anyup.streams.bench;

import dev.anyup.streams.models.DecodedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;

/**
 * Camera-like test frames from a fixed seed: smooth gradients, a few hard-edged shapes and sensor noise, so JPEG sizes
 * and decode costs resemble real 640x480 frames rather than flat colour.
 */
final class SyntheticImages {
  private final int width;
  private final int height;
  private final long seed;
  private final Map<Integer, byte[]> jpegs = new ConcurrentHashMap<>();

  SyntheticImages(int width, int height, long seed) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, was " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    this.seed = seed;
  }

  /** Interleaved RGB8 pixels of frame {@code index}. */
  byte[] rgb(int index) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
    int cx = random.nextInt(width);
    int cy = random.nextInt(height);
    int radius = 20 + random.nextInt(Math.max(1, Math.min(width, height) / 3));
    int bx = random.nextInt(width);
    int by = random.nextInt(height);
    int phase = random.nextInt(256);
    byte[] rgb = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int r = (x * 255 / width + phase) & 0xff;
        int g = y * 255 / height;
        int b = 128;
        int dx = x - cx;
        int dy = y - cy;
        if (dx * dx + dy * dy < radius * radius) {
          r = 230;
          g = 40;
          b = 40;
        } else if (x > bx && x < bx + width / 5 && y > by && y < by + height / 6) {
          r = 20;
          g = 30;
          b = 200;
        }
        int noise = random.nextInt(17) - 8;
        int i = (y * width + x) * 3;
        rgb[i] = (byte) clamp(r + noise);
        rgb[i + 1] = (byte) clamp(g + noise);
        rgb[i + 2] = (byte) clamp(b + noise);
      }
    }
    return rgb;
  }

  /** Frame {@code index} as already-decoded pixels (for the model-only ceiling). */
  DecodedImage decoded(int index) {
    return new DecodedImage(width, height, rgb(index), "synthetic");
  }

  /** Frame {@code index} as a baseline JPEG (ImageIO's default quality, 0.75); encoded once, then cached. */
  byte[] jpeg(int index) {
    return jpegs.computeIfAbsent(index, this::encodeJpeg);
  }

  private byte[] encodeJpeg(int index) {
    byte[] rgb = rgb(index);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = (y * width + x) * 3;
        image.setRGB(x, y, (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      if (!ImageIO.write(image, "jpeg", out)) {
        throw new IllegalStateException("no JPEG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode synthetic frame " + index + " as JPEG", e);
    }
    return out.toByteArray();
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
