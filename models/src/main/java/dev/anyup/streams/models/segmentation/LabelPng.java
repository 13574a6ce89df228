package dev.anyup.streams.models.segmentation;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Label maps as lossless greyscale PNGs: 8-bit when the labels fit in a byte (at most 256 classes), else 16-bit; the
 * pixel value is the label. Confidence maps as 8-bit PNGs of {@code round(confidence · 255)}.
 */
public final class LabelPng {
  private LabelPng() {}

  /** The label map's labels as a PNG. */
  public static byte[] labels(LabelMap map) {
    int w = map.width();
    int h = map.height();
    int[] labels = map.labels();
    BufferedImage img;
    if (map.classNames().size() <= 256) {
      img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
      byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < labels.length; i++) {
        px[i] = (byte) labels[i];
      }
    } else {
      img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
      short[] px = ((DataBufferUShort) img.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < labels.length; i++) {
        px[i] = (short) labels[i];
      }
    }
    return png(img);
  }

  /** The label map's confidence as an 8-bit PNG, or {@code null} when it has none. */
  public static byte[] confidence(LabelMap map) {
    float[] conf = map.confidence();
    if (conf == null) {
      return null;
    }
    BufferedImage img = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
    byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < conf.length; i++) {
      px[i] = (byte) Math.round(Math.max(0f, Math.min(1f, conf[i])) * 255f);
    }
    return png(img);
  }

  /**
   * The labels of a PNG written by {@link #labels}, row-major.
   *
   * @throws IllegalArgumentException when the bytes are not a greyscale PNG
   */
  public static int[] readLabels(byte[] png) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a readable PNG: " + e.getMessage(), e);
    }
    if (img == null || img.getRaster().getNumBands() != 1) {
      throw new IllegalArgumentException("not a greyscale PNG");
    }
    int w = img.getWidth();
    int h = img.getHeight();
    int[] out = new int[w * h];
    img.getRaster().getPixels(0, 0, w, h, out);
    return out;
  }

  private static byte[] png(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", out)) {
        throw new IllegalStateException("no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
