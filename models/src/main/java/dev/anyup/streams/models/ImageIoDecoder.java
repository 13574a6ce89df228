package dev.anyup.streams.models;

import dev.anyup.streams.models.ImageRejectedException.Reason;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * ImageIO + TwelveMonkeys implementation of {@link ImageDecoder}. A fresh {@link ImageReader} per call keeps it
 * thread-safe. The header is read first ({@link ImageReader#getWidth}) so oversized images are refused before any raster
 * is allocated; any reader warning fails the decode.
 */
final class ImageIoDecoder implements ImageDecoder {

  static {
    // plug-ins (TwelveMonkeys) registered from the classpath once
    ImageIO.scanForPlugins();
    ImageIO.setUseCache(false);
  }

  private final ImageLimits limits;
  /** When set, JPEGs are decoded at the DCT scale this preprocessor still gets enough pixels from. */
  private final Preprocessor target;

  ImageIoDecoder(ImageLimits limits, Preprocessor target) {
    if (limits == null) {
      throw new IllegalArgumentException("limits must not be null");
    }
    this.limits = limits;
    this.target = target;
  }

  @Override
  public DecodedImage decode(String imageId, byte[] encoded) {
    String who = imageId == null ? "image" : "image '" + imageId + "'";
    if (encoded == null || encoded.length == 0) {
      throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, who + ": no bytes");
    }
    if (encoded.length > limits.maxEncodedBytes()) {
      throw new ImageRejectedException(Reason.TOO_MANY_BYTES,
          who + ": " + encoded.length + " encoded bytes exceed the limit of " + limits.maxEncodedBytes());
    }
    if (target != null) {
      DecodedImage scaled = ScaledJpegDecoder.decode(who, encoded, limits, target);
      if (scaled != null) {
        return scaled;
      }
    }
    checkPng(who, encoded);
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT,
            who + ": unrecognised image format (first bytes " + hexPrefix(encoded) + ")");
      }
      ImageReader reader = readers.next();
      try {
        return read(who, reader, in, encoded);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": cannot read: " + e.getMessage(), e);
    }
  }

  private DecodedImage read(String who, ImageReader reader, ImageInputStream in, byte[] encoded) {
    String format = formatName(reader);
    List<String> warnings = new ArrayList<>();
    IIOReadWarningListener listener = (source, warning) -> {
      if (!isBenign(warning)) {
        warnings.add(warning);
      }
    };
    reader.addIIOReadWarningListener(listener);
    reader.setInput(in, true, true);
    int width;
    int height;
    try {
      width = reader.getWidth(0);
      height = reader.getHeight(0);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": unreadable " + format + " header: " + e.getMessage(), e);
    }
    checkSize(limits, who, format, width, height);
    BufferedImage image;
    try {
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": damaged " + format + " data: " + e.getMessage(), e);
    }
    if (!warnings.isEmpty()) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": damaged " + format + " data: " + String.join("; ", warnings));
    }
    if (image.getWidth() != width || image.getHeight() != height) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": " + format + " header says " + width + "x" + height
          + " but decoded " + image.getWidth() + "x" + image.getHeight());
    }
    byte[] rgb = toRgb(image);
    if ("jpeg".equals(format)) {
      int orientation = ExifOrientation.read(encoded);
      if (orientation > 1) {
        return ExifOrientation.apply(rgb, width, height, orientation, format);
      }
    }
    return new DecodedImage(width, height, rgb, format);
  }

  /**
   * Warnings about colour management (e.g. TwelveMonkeys' "no embedded ICC profile" for CMYK JPEGs) say nothing about
   * the integrity of the data; every other warning (premature end of data, corrupt segments) fails the decode.
   */
  private static boolean isBenign(String warning) {
    String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
    return w.contains("icc") || w.contains("color profile") || w.contains("colour profile");
  }

  static void checkSize(ImageLimits limits, String who, String format, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new ImageRejectedException(Reason.BAD_DIMENSIONS, who + ": " + format + " size " + width + "x" + height
          + " is not positive");
    }
    if (width > limits.maxWidth() || height > limits.maxHeight()) {
      throw new ImageRejectedException(Reason.BAD_DIMENSIONS, who + ": " + format + " size " + width + "x" + height
          + " exceeds the limit of " + limits.maxWidth() + "x" + limits.maxHeight());
    }
    long pixels = (long) width * height;
    if (pixels > limits.maxPixels()) {
      throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, who + ": " + format + " size " + width + "x" + height
          + " = " + pixels + " pixels exceeds the limit of " + limits.maxPixels());
    }
  }

  /**
   * PNG checks the JDK reader skips: every chunk's CRC (the JDK reader verifies none, so a damaged IHDR — size, bit
   * depth, colour type — was decoded as if it were right) and a zero-size IHDR (which the JDK reader reports as a
   * generic error; named here as the dimension problem it is). The walk reads only chunk headers and runs one CRC32
   * over the bytes that are there, so it costs a pass over the input and allocates nothing. It stops at IEND or where
   * the bytes end on a chunk boundary (the reader then reports what is missing); a chunk that claims more bytes than
   * are left is {@link Reason#CORRUPT}.
   */
  private static void checkPng(String who, byte[] b) {
    boolean png = b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
        && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A;
    if (!png) {
      return;
    }
    CRC32 crc = new CRC32();
    int pos = 8;
    boolean first = true;
    while (pos + 8 <= b.length) {
      long length = readInt(b, pos) & 0xffffffffL;
      String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (first && !type.equals("IHDR")) {
        throw new ImageRejectedException(Reason.CORRUPT, who + ": png does not start with an IHDR chunk (found '"
            + printable(type) + "')");
      }
      if (length > b.length - pos - 12L) {
        throw new ImageRejectedException(Reason.CORRUPT, who + ": png chunk '" + printable(type) + "' at byte " + pos
            + " declares " + length + " bytes but only " + Math.max(0, b.length - pos - 12) + " are left");
      }
      int end = pos + 8 + (int) length;
      crc.reset();
      crc.update(b, pos + 4, 4 + (int) length);
      int stored = readInt(b, end);
      if ((int) crc.getValue() != stored) {
        throw new ImageRejectedException(Reason.CORRUPT, who + ": png chunk '" + printable(type) + "' at byte " + pos
            + " has a bad CRC (stored " + String.format("%08x", stored) + ", computed "
            + String.format("%08x", (int) crc.getValue()) + ")");
      }
      if (first) {
        if (length != 13) {
          throw new ImageRejectedException(Reason.CORRUPT, who + ": png IHDR chunk is " + length
              + " bytes long, not 13");
        }
        int width = readInt(b, pos + 8);
        int height = readInt(b, pos + 12);
        if (width <= 0 || height <= 0) {
          throw new ImageRejectedException(Reason.BAD_DIMENSIONS, who + ": png size " + width + "x" + height
              + " is not positive");
        }
        first = false;
      }
      if (type.equals("IEND")) {
        return;
      }
      pos = end + 4;
    }
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
  }

  private static String printable(String chunkType) {
    return chunkType.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? chunkType : "?";
  }

  private static String formatName(ImageReader reader) {
    try {
      String name = reader.getFormatName().toLowerCase(Locale.ROOT);
      return "jpg".equals(name) ? "jpeg" : name;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Interleaved RGB8; alpha composited on black. Fast paths avoid per-pixel calls for the common layouts. */
  static byte[] toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    Raster raster = image.getRaster();
    if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && isPacked(raster, w, 3)) {
      byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
      byte[] rgb = new byte[w * h * 3];
      for (int i = 0; i < rgb.length; i += 3) {
        rgb[i] = bgr[i + 2];
        rgb[i + 1] = bgr[i + 1];
        rgb[i + 2] = bgr[i];
      }
      return rgb;
    }
    ColorModel cm = image.getColorModel();
    if (cm instanceof ComponentColorModel) {
      int csType = cm.getColorSpace().getType();
      int colours = cm.getNumColorComponents();
      if ((csType == ColorSpace.TYPE_RGB && colours == 3) || (csType == ColorSpace.TYPE_GRAY && colours == 1)) {
        return componentToRgb(raster, cm, w, h);
      }
    }
    BufferedImage bgr = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = bgr.createGraphics();
    try {
      g.drawImage(image, 0, 0, null); // SrcOver on a black (zero) destination: alpha composited on black
    } finally {
      g.dispose();
    }
    return toRgb(bgr);
  }

  private static boolean isPacked(Raster raster, int w, int bands) {
    return raster.getSampleModel() instanceof ComponentSampleModel
        && ((ComponentSampleModel) raster.getSampleModel()).getScanlineStride() == w * bands
        && ((ComponentSampleModel) raster.getSampleModel()).getPixelStride() == bands
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && raster.getDataBuffer().getNumBanks() == 1 && raster.getDataBuffer().getOffset() == 0;
  }

  /** Gray or RGB, 8 or 16 bits, with or without alpha: read row by row as ints, scale to 8 bits. */
  private static byte[] componentToRgb(Raster raster, ColorModel cm, int w, int h) {
    int bands = raster.getNumBands();
    int colours = cm.getNumColorComponents();
    boolean alpha = cm.hasAlpha();
    boolean premultiplied = cm.isAlphaPremultiplied();
    double[] maxValue = new double[bands];
    for (int b = 0; b < bands; b++) {
      maxValue[b] = (1L << cm.getComponentSize(b)) - 1;
    }
    int[] row = new int[w * bands];
    byte[] rgb = new byte[w * h * 3];
    int o = 0;
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0, i = 0; x < w; x++, i += bands) {
        double a = alpha && !premultiplied ? row[i + colours] / maxValue[colours] : 1.0;
        for (int c = 0; c < 3; c++) {
          int band = colours == 1 ? 0 : c;
          double v = row[i + band] / maxValue[band] * a * 255.0;
          rgb[o++] = (byte) Math.min(255, (int) (v + 0.5));
        }
      }
    }
    return rgb;
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      sb.append(String.format("%02x", bytes[i] & 0xff));
    }
    return sb.toString();
  }
}
