package dev.anyup.streams.models;

/**
 * Reads the EXIF orientation tag (0x0112) from a JPEG's APP1 segment and applies it to an RGB8 image, so images from
 * cameras come out the way they are displayed.
 */
final class ExifOrientation {

  private ExifOrientation() {}

  /** The orientation (1..8), or 1 when there is no valid tag. Never throws on malformed EXIF. */
  static int read(byte[] jpeg) {
    try {
      return find(jpeg);
    } catch (RuntimeException e) {
      return 1; // malformed EXIF: the pixels are still fine, show them unrotated
    }
  }

  private static int find(byte[] b) {
    if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
      return 1;
    }
    int p = 2;
    while (p + 4 <= b.length) {
      if ((b[p] & 0xff) != 0xFF) {
        return 1;
      }
      int marker = b[p + 1] & 0xff;
      if (marker == 0xDA || marker == 0xD9) {
        return 1; // start of scan: no more metadata
      }
      int len = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
      int body = p + 4;
      if (marker == 0xE1 && len >= 8 && body + 6 <= b.length
          && b[body] == 'E' && b[body + 1] == 'x' && b[body + 2] == 'i' && b[body + 3] == 'f'
          && b[body + 4] == 0 && b[body + 5] == 0) {
        return fromTiff(b, body + 6, Math.min(b.length, p + 2 + len));
      }
      p += 2 + len;
    }
    return 1;
  }

  private static int fromTiff(byte[] b, int tiff, int end) {
    boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
    if (!little && !(b[tiff] == 'M' && b[tiff + 1] == 'M')) {
      return 1;
    }
    int ifd = tiff + (int) u32(b, tiff + 4, little);
    int entries = u16(b, ifd, little);
    for (int i = 0; i < entries; i++) {
      int e = ifd + 2 + 12 * i;
      if (e + 12 > end) {
        return 1;
      }
      if (u16(b, e, little) == 0x0112) {
        int value = u16(b, e + 8, little);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int p, boolean little) {
    return little ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 : (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
  }

  private static long u32(byte[] b, int p, boolean little) {
    return little
        ? (u16(b, p, true) | (long) u16(b, p + 2, true) << 16)
        : ((long) u16(b, p, false) << 16 | u16(b, p + 2, false));
  }

  /** Re-lays the pixels so the result displays upright: orientations 5..8 swap width and height. */
  static DecodedImage apply(byte[] rgb, int w, int h, int orientation, String format) {
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    byte[] out = new byte[rgb.length];
    int o = 0;
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2: sx = w - 1 - x; sy = y; break;
          case 3: sx = w - 1 - x; sy = h - 1 - y; break;
          case 4: sx = x; sy = h - 1 - y; break;
          case 5: sx = y; sy = x; break;
          case 6: sx = y; sy = h - 1 - x; break;
          case 7: sx = w - 1 - y; sy = h - 1 - x; break;
          case 8: sx = w - 1 - y; sy = x; break;
          default: sx = x; sy = y; break;
        }
        int s = (sy * w + sx) * 3;
        out[o++] = rgb[s];
        out[o++] = rgb[s + 1];
        out[o++] = rgb[s + 2];
      }
    }
    return new DecodedImage(ow, oh, out, format);
  }
}
