package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;

/**
 * The one palette label maps are drawn with ({@code inspect --png} and the console's overlay and legend), so a class
 * has the same colour everywhere: label 0 ("unknown") is transparent, label {@code i ≥ 1} takes the
 * {@code (i - 1) mod 20}-th of a fixed list of distinct colours.
 */
public final class LabelPalette {
  private static final int[] RGB = {
      0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4, 0x46f0f0, 0xf032e6, 0xbcf60c, 0xfabebe,
      0x008080, 0xe6beff, 0x9a6324, 0xfffac8, 0x800000, 0xaaffc3, 0x808000, 0xffd8b1, 0x000075, 0x808080};

  private LabelPalette() {}

  /** The colour of {@code label} as 0xAARRGGBB: fully transparent for label 0, opaque otherwise. */
  public static int argb(int label) {
    return label <= 0 ? 0 : 0xff000000 | RGB[(label - 1) % RGB.length];
  }

  /** The colour of {@code label} as CSS {@code #rrggbb}; label 0 is {@code transparent}. */
  public static String css(int label) {
    return label <= 0 ? "transparent" : String.format("#%06x", RGB[(label - 1) % RGB.length]);
  }

  /** The label map of {@code map} coloured with this palette, as an RGBA PNG of the map's size. */
  public static byte[] colouredPng(SegmentationMap map) {
    ByteBuffer b = map.getLabelPng().duplicate();
    byte[] png = new byte[b.remaining()];
    b.get(png);
    int[] labels = LabelPng.readLabels(png);
    int w = map.getWidth();
    int h = map.getHeight();
    if (labels.length != w * h) {
      throw new IllegalArgumentException("label PNG of image " + map.getImageId() + " has " + labels.length
          + " pixels but the record says " + w + "x" + h);
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    int[] px = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      px[i] = argb(labels[i]);
    }
    img.setRGB(0, 0, w, h, px, 0, w);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
