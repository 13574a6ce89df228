package dev.anyup.streams.models;

import dev.anyup.streams.models.ImageRejectedException.Reason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes a baseline JPEG at 1/4 or 1/8 scale (1/2 supported, not taken) in the DCT domain (libjpeg's scaled decoding):
 * every coefficient is still entropy-decoded, but only the top-left N×N of each 8×8 block is dequantised and put
 * through an N-point inverse DCT, which is most of the saving when a 1080p or 4K frame is going to be resized to 224 or
 * 448 anyway. The coefficients past the kept ones are only skipped over, several per table lookup (issue 24's
 * profile: entropy decoding is most of what is left).
 *
 * <p>The scale is the smallest ({@link #MIN_REDUCTION} at least) that still leaves at least as many pixels on each axis as the {@link Preprocessor}'s
 * resized grid (before its crop), so the antialiased resize still only shrinks. Pixel {@code j} of the result covers
 * source pixels {@code [j·k, (j+1)·k)}; {@link DecodedImage#reduction()} carries {@code k} and the source size so the
 * preprocessor maps it back exactly. Chroma is upsampled by replication.
 *
 * <p>Only the common camera case is handled here: 8-bit Huffman baseline/extended sequential, one scan with every
 * component, greyscale or YCbCr with luma sampled 1 or 2 times the chroma, no ICC profile, no Adobe RGB transform.
 * Anything else — progressive, arithmetic, lossless, 12-bit, CMYK, odd headers, or an image too small to gain — is
 * {@linkplain #decode answered with null} so that the caller decodes it in full as before; header faults are also left
 * to that decoder, so its rejection messages stay what they were. Faults in the entropy-coded data (truncation, a bad
 * Huffman code, a coefficient past 63, a missing or wrong restart marker, extraneous bytes) are rejected here as
 * {@link Reason#CORRUPT}, as the full decoder's warnings reject them. One instance per call; the only state shared
 * between calls is the cache of decoded Huffman tables, which are immutable.
 */
final class ScaledJpegDecoder {

  /** Natural (row-major) index of each zig-zag position. */
  private static final int[] NATURAL = {
      0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
      28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
      54, 47, 55, 62, 63};

  /**
   * For output size N (index), the position in the N×N block of each zig-zag coefficient, or N·N+1 (a scratch slot
   * after the block's flag) when unused: a coefficient is stored without a branch on whether it is kept.
   */
  private static final int[][] KEEP = new int[9][];
  /** For output size N, the N-point inverse DCT matrix {@code M[x*N+u] = C(u)/2 · cos((2x+1)uπ / 2N)}. */
  private static final float[][] IDCT = new float[9][];

  /** For output size N, the last zig-zag position inside the N×N block: past it a block's coefficients are skipped. */
  private static final int[] LAST_KEPT = new int[9];

  static {
    for (int n : new int[] {1, 2, 4}) {
      KEEP[n] = new int[64];
      for (int k = 0; k < 64; k++) {
        int row = NATURAL[k] / 8;
        int col = NATURAL[k] % 8;
        KEEP[n][k] = row < n && col < n ? row * n + col : n * n + 1;
        if (KEEP[n][k] <= n * n) {
          LAST_KEPT[n] = k;
        }
      }
      IDCT[n] = new float[n * n];
      for (int x = 0; x < n; x++) {
        for (int u = 0; u < n; u++) {
          double c = u == 0 ? Math.sqrt(0.5) : 1.0;
          IDCT[n][x * n + u] = (float) (c / 2 * Math.cos((2 * x + 1) * u * Math.PI / (2 * n)));
        }
      }
    }
  }

  // the 2-point matrix as constants, for the unrolled 1/4-scale inverse DCT
  private static final float M2_00 = IDCT[2][0];
  private static final float M2_01 = IDCT[2][1];
  private static final float M2_10 = IDCT[2][2];
  private static final float M2_11 = IDCT[2][3];

  /** Bits of the Huffman lookup tables: codes up to this long (and, in the AC tables, their value bits) in one step. */
  private static final int LOOKUP_BITS = 10;
  /** Bits of the AC tables' skip lookup: the coefficients past the kept ones, several per step. */
  private static final int GROUP_BITS = 11;

  /** Not a file for this decoder: the caller decodes it in full. Stackless, it is control flow. */
  private static final class NotHandled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotHandled() {
      super(null, null, false, false);
    }
  }

  private static final NotHandled NOT_HANDLED = new NotHandled();

  /**
   * Huffman tables by their DHT definition. A camera sends the same tables in every frame (most send the standard
   * ones), so the lookups (some 4,000 entries per AC table) need not be built again for each frame; the tables are
   * immutable once built, so they are shared between calls and threads.
   */
  private static final Map<String, Huffman> TABLES = new ConcurrentHashMap<>();
  private static final int TABLE_CACHE_SIZE = 32;

  /** Eight bytes of the entropy-coded data at once, for the bit reader's refill. */
  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The smallest scale denominator decoded here: 1/4 and 1/8 are taken (3.4 and 6.6 times less CPU for 1080p and 4K
   * frames to 224). 1/2 was no faster than the JDK's native full decode with the first version of this decoder; with
   * the current one it measured 18.3 against 20.0 ms (1080p to 448) but would also move 512² photos to 224 off the
   * full decode, which the parity tests compare with Python: not taken until that is measured (docs/decoding.md).
   */
  static final int MIN_REDUCTION = 4;

  private final String who;
  private final byte[] b;

  private final int[][] quant = new int[4][];
  /** The DHT definitions in effect, by class and id; tables are built from them for the scan's components only. */
  private final String[] dcDefinitions = new String[4];
  private final String[] acDefinitions = new String[4];
  private final Huffman[] dcTables = new Huffman[4];
  private final Huffman[] acTables = new Huffman[4];
  private int width;
  private int height;
  private int components;
  private int[] ids;
  private int[] hs;
  private int[] vs;
  private int[] tq;
  private int restartInterval;
  private int adobeTransform = -1;
  private int[] scanOrder;
  private int[] scanDc;
  private int[] scanAc;

  // bit reader: the top `bits` bits of `buf` are valid; the last `phantom` of them are zeros fed past the data's end
  private int pos;
  private long buf;
  private int bits;
  private int phantom;
  private boolean atMarker;

  private ScaledJpegDecoder(String who, byte[] b) {
    this.who = who;
    this.b = b;
  }

  /**
   * Decodes {@code jpeg} at the reduced scale {@code target} allows, or returns {@code null} when this decoder leaves
   * the file to the full decoder.
   *
   * @throws ImageRejectedException when a limit is exceeded or the entropy-coded data is damaged
   */
  static DecodedImage decode(String who, byte[] jpeg, ImageLimits limits, Preprocessor target) {
    ScaledJpegDecoder d = new ScaledJpegDecoder(who, jpeg);
    try {
      d.readHeaders();
    } catch (RuntimeException e) { // NotHandled included
      return null; // header faults keep the full decoder's messages
    }
    ImageIoDecoder.checkSize(limits, who, "jpeg", d.width, d.height);
    int orientation = ExifOrientation.read(jpeg);
    boolean swap = orientation >= 5;
    int ow = swap ? d.height : d.width;
    int oh = swap ? d.width : d.height;
    ImageTransform t = target.transformFor(ow, oh);
    int rw = (int) Math.round(t.scaleX() * ow);
    int rh = (int) Math.round(t.scaleY() * oh);
    int k = 8;
    while (k > 1 && (ow / k < rw || oh / k < rh)) {
      k >>= 1;
    }
    if (k < MIN_REDUCTION) {
      return null;
    }
    byte[] rgb;
    try {
      rgb = d.decodeScan(8 / k);
    } catch (NotHandled e) {
      return null;
    } catch (ImageRejectedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ImageRejectedException(Reason.CORRUPT, who + ": damaged jpeg data: " + e, e);
    }
    int n = 8 / k;
    int w = (d.width * n + 7) / 8;
    int h = (d.height * n + 7) / 8;
    if (orientation > 1) {
      DecodedImage turned = ExifOrientation.apply(rgb, w, h, orientation, "jpeg");
      return new DecodedImage(turned.width(), turned.height(), turned.rgb(), "jpeg", ow, oh, k);
    }
    return new DecodedImage(w, h, rgb, "jpeg", ow, oh, k);
  }

  private int u16(int at) {
    return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
  }

  private static boolean startsWith(byte[] b, int at, int end, String tag) {
    if (end - at < tag.length()) {
      return false;
    }
    for (int i = 0; i < tag.length(); i++) {
      if (b[at + i] != tag.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Reads markers up to and including the first SOS; leaves {@link #pos} at the first entropy-coded byte. */
  private void readHeaders() {
    if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
      throw NOT_HANDLED;
    }
    int p = 2;
    while (true) {
      if (p + 4 > b.length || (b[p] & 0xff) != 0xFF) {
        throw NOT_HANDLED;
      }
      int m = b[p + 1] & 0xff;
      if (m == 0xFF) {
        p++;
        continue;
      }
      if (m == 0x01 || (m >= 0xD0 && m <= 0xD9)) {
        throw NOT_HANDLED;
      }
      int len = u16(p + 2);
      int s = p + 4;
      int e = p + 2 + len;
      if (len < 2 || e > b.length) {
        throw NOT_HANDLED;
      }
      switch (m) {
        case 0xDB -> readQuant(s, e);
        case 0xC4 -> readHuffman(s, e);
        case 0xC0, 0xC1 -> readFrame(s, e);
        case 0xDD -> restartInterval = len >= 4 ? u16(s) : 0;
        case 0xEE -> adobeTransform = startsWith(b, s, e, "Adobe") && e - s >= 12 ? b[s + 11] & 0xff : adobeTransform;
        case 0xE2 -> {
          if (startsWith(b, s, e, "ICC_PROFILE")) {
            throw NOT_HANDLED; // colour management is the full decoder's
          }
        }
        case 0xDA -> {
          readScan(s, e);
          pos = e;
          return;
        }
        default -> {
          if (m >= 0xC0 && m <= 0xCF && m != 0xC8) {
            throw NOT_HANDLED; // progressive, lossless, arithmetic, hierarchical
          }
        }
      }
      p = e;
    }
  }

  private void readQuant(int s, int e) {
    while (s < e) {
      int precision = (b[s] & 0xff) >> 4;
      int id = b[s] & 15;
      if (id > 3 || precision > 1) {
        throw NOT_HANDLED;
      }
      s++;
      int[] q = new int[64];
      for (int k = 0; k < 64; k++) {
        q[k] = precision == 0 ? b[s++] & 0xff : u16((s += 2) - 2);
      }
      if (s > e) {
        throw NOT_HANDLED;
      }
      quant[id] = q;
    }
  }

  private void readHuffman(int s, int e) {
    while (s < e) {
      int cls = (b[s] & 0xff) >> 4;
      int id = b[s] & 15;
      if (cls > 1 || id > 3) {
        throw NOT_HANDLED;
      }
      int[] counts = new int[17];
      int total = 0;
      for (int l = 1; l <= 16; l++) {
        counts[l] = b[s + l] & 0xff;
        total += counts[l];
      }
      s += 17;
      if (total > 256 || s + total > e) {
        throw NOT_HANDLED;
      }
      int code = 0;
      for (int l = 1; l <= 16; l++) {
        code += counts[l];
        if (code > 1 << l) {
          throw NOT_HANDLED; // over-subscribed table: the full decoder reports it
        }
        code <<= 1;
      }
      // built (or taken from the cache) only when a scan uses it: a file may define many tables
      (cls == 0 ? dcDefinitions : acDefinitions)[id] =
          new String(b, s - 17, 17 + total, StandardCharsets.ISO_8859_1); // class and id, counts, symbols
      s += total;
    }
  }

  /** The table a DHT definition (as {@link #readHuffman} keeps it) describes, from the cache or built now. */
  private static Huffman table(String definition) {
    Huffman table = TABLES.get(definition);
    if (table == null) {
      int[] counts = new int[17];
      for (int l = 1; l <= 16; l++) {
        counts[l] = definition.charAt(l);
      }
      int[] values = new int[definition.length() - 17];
      for (int i = 0; i < values.length; i++) {
        values[i] = definition.charAt(17 + i);
      }
      table = new Huffman(counts, values, definition.charAt(0) >> 4 == 1);
      if (TABLES.size() >= TABLE_CACHE_SIZE) {
        TABLES.clear(); // many encoders at once: start again rather than track use
      }
      TABLES.put(definition, table);
    }
    return table;
  }

  private void readFrame(int s, int e) {
    if (ids != null || e - s < 6 || (b[s] & 0xff) != 8) {
      throw NOT_HANDLED;
    }
    height = u16(s + 1);
    width = u16(s + 3);
    components = b[s + 5] & 0xff;
    if (width == 0 || height == 0 || (components != 1 && components != 3) || e - s < 6 + 3 * components) {
      throw NOT_HANDLED;
    }
    ids = new int[components];
    hs = new int[components];
    vs = new int[components];
    tq = new int[components];
    for (int c = 0; c < components; c++) {
      int at = s + 6 + 3 * c;
      ids[c] = b[at] & 0xff;
      hs[c] = (b[at + 1] & 0xff) >> 4;
      vs[c] = b[at + 1] & 15;
      tq[c] = b[at + 2] & 0xff;
      if (tq[c] > 3) {
        throw NOT_HANDLED;
      }
    }
    if (components == 1) {
      hs[0] = 1; // a single-component scan is never interleaved: its MCU is one block whatever the header says
      vs[0] = 1;
    } else {
      boolean chroma = hs[1] == 1 && vs[1] == 1 && hs[2] == 1 && vs[2] == 1;
      boolean luma = (hs[0] == 1 || hs[0] == 2) && (vs[0] == 1 || vs[0] == 2);
      boolean rgbIds = ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B';
      if (!chroma || !luma || rgbIds) {
        throw NOT_HANDLED;
      }
    }
  }

  private void readScan(int s, int e) {
    if (ids == null || (b[s] & 0xff) != components || e - s != 4 + 2 * components) {
      throw NOT_HANDLED;
    }
    if (components == 3 && adobeTransform == 0) {
      throw NOT_HANDLED; // Adobe's "no transform": RGB samples
    }
    scanOrder = new int[components];
    scanDc = new int[components];
    scanAc = new int[components];
    for (int i = 0; i < components; i++) {
      int id = b[s + 1 + 2 * i] & 0xff;
      int c = 0;
      while (c < components && ids[c] != id) {
        c++;
      }
      if (c == components) {
        throw NOT_HANDLED;
      }
      scanOrder[i] = c;
      scanDc[i] = (b[s + 2 + 2 * i] & 0xff) >> 4;
      scanAc[i] = b[s + 2 + 2 * i] & 15;
      if (scanDc[i] > 3 || scanAc[i] > 3 || dcDefinitions[scanDc[i]] == null || acDefinitions[scanAc[i]] == null
          || quant[tq[c]] == null) {
        throw NOT_HANDLED;
      }
      dcTables[scanDc[i]] = table(dcDefinitions[scanDc[i]]);
      acTables[scanAc[i]] = table(acDefinitions[scanAc[i]]);
    }
    int at = s + 1 + 2 * components;
    if ((b[at] & 0xff) != 0 || (b[at + 1] & 0xff) != 63 || (b[at + 2] & 0xff) != 0) {
      throw NOT_HANDLED;
    }
  }

  /** Entropy-decodes the scan into N×N blocks and converts to interleaved RGB at the reduced size. */
  private byte[] decodeScan(int n) {
    int hmax = components == 3 ? hs[0] : 1;
    int vmax = components == 3 ? vs[0] : 1;
    int mcusX = components == 1 ? (width + 7) / 8 : (width + 8 * hmax - 1) / (8 * hmax);
    int mcusY = components == 1 ? (height + 7) / 8 : (height + 8 * vmax - 1) / (8 * vmax);
    int[] planeW = new int[components];
    byte[][] planes = new byte[components][];
    for (int c = 0; c < components; c++) {
      planeW[c] = mcusX * hs[c] * n;
      planes[c] = new byte[planeW[c] * mcusY * vs[c] * n];
    }
    int[] pred = new int[components];
    int[] coef = new int[n * n + 2]; // the kept coefficients, the flag, the scratch slot
    float[] tmp = new float[n * n];
    int[] keep = KEEP[n];
    int lastKept = LAST_KEPT[n];
    int restarts = 0;
    int mcu = 0;
    for (int my = 0; my < mcusY; my++) {
      for (int mx = 0; mx < mcusX; mx++) {
        if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0) {
          restart(restarts++);
          java.util.Arrays.fill(pred, 0);
        }
        for (int i = 0; i < components; i++) {
          int c = scanOrder[i];
          Huffman dc = dcTables[scanDc[i]];
          Huffman ac = acTables[scanAc[i]];
          int[] q = quant[tq[c]];
          byte[] plane = planes[c];
          int stride = planeW[c];
          for (int v = 0; v < vs[c]; v++) {
            for (int h = 0; h < hs[c]; h++) {
              pred[c] = decodeBlock(dc, ac, q, keep, lastKept, coef, pred[c]);
              int x0 = (mx * hs[c] + h) * n;
              int y0 = (my * vs[c] + v) * n;
              int at = y0 * stride + x0;
              if (n == 1) {
                plane[at] = clamp(coef[0] / 8f + 128f);
                coef[0] = 0;
              } else if (n == 2) {
                inverseDct2(coef, plane, at, stride);
              } else {
                inverseDct(n, coef, tmp, plane, at, stride);
              }
            }
          }
        }
        if (bits < phantom) {
          throw truncated();
        }
        mcu++;
      }
    }
    endOfScan();
    return toRgb(n, hmax, vmax, planes, planeW);
  }

  /**
   * Entropy-decodes one block, keeping the dequantised coefficients {@code keep} selects in {@code coef} (and a flag in
   * {@code coef[n*n]}: 1 when any AC coefficient was kept); returns the new DC predictor. Past zig-zag position
   * {@code lastKept} nothing is kept, so the rest of the block is only skipped over: one lookup on the next
   * {@link #GROUP_BITS} bits skips every whole coefficient they hold. The bit buffer lives in locals here and goes back
   * to the fields around each refill.
   */
  private int decodeBlock(Huffman dc, Huffman ac, int[] q, int[] keep, int lastKept, int[] coef, int predictor) {
    long buf = this.buf;
    int bits = this.bits;
    if (bits < 32) {
      this.buf = buf;
      this.bits = bits;
      fill();
      buf = this.buf;
      bits = this.bits;
    }
    // DC
    int e = dc.fastDc[(int) (buf >>> (64 - LOOKUP_BITS))];
    if (e != 0) { // code and difference bits together in the prefix
      buf <<= e & 0xff;
      bits -= e & 0xff;
      predictor += e >> 8;
    } else {
      this.buf = buf;
      this.bits = bits;
      predictor = slowDc(dc, predictor);
      buf = this.buf;
      bits = this.bits;
    }
    coef[0] = predictor * q[0];
    int area = coef.length - 2; // N·N: the flag's slot
    int anyAc = 0;
    int[] fast = ac.fastAc;
    int[] lookup = ac.lookup;
    int k = 1;
    block:
    {
      for (; k <= lastKept; k++) {
        if (bits < 32) {
          this.buf = buf;
          this.bits = bits;
          fill();
          buf = this.buf;
          bits = this.bits;
        }
        int top = (int) (buf >>> (64 - LOOKUP_BITS));
        int f = fast[top];
        if (f != 0) { // code and value bits together in the lookup's bits
          int len = f & 0xff;
          buf <<= len;
          bits -= len;
          k += (f >> 8) & 0xff;
          if (k > 63) {
            throw corrupt("coefficient index past 63");
          }
          int at = keep[k];
          coef[at] = (f >> 16) * q[k];
          anyAc |= (at - area) >>> 31; // 1 where kept
          continue;
        }
        int rs;
        e = lookup[top];
        if (e != 0) {
          buf <<= e >> 8;
          bits -= e >> 8;
          rs = e & 0xff;
        } else {
          this.buf = buf;
          this.bits = bits;
          rs = slowHuff(ac);
          buf = this.buf;
          bits = this.bits;
        }
        int run = rs >> 4;
        int bitsize = rs & 15;
        if (bitsize == 0) {
          if (run != 15) {
            break block;
          }
          k += 15;
          continue;
        }
        k += run;
        if (k > 63) {
          throw corrupt("coefficient index past 63");
        }
        int v = (int) (buf >>> (64 - bitsize));
        buf <<= bitsize;
        bits -= bitsize;
        int at = keep[k];
        coef[at] = (v < (1 << (bitsize - 1)) ? v - (1 << bitsize) + 1 : v) * q[k];
        anyAc |= (at - area) >>> 31;
      }
      int[] groups = ac.skipGroups;
      while (k < 64) {
        if (bits < 32) {
          this.buf = buf;
          this.bits = bits;
          fill();
          buf = this.buf;
          bits = this.bits;
        }
        int g = groups[(int) (buf >>> (64 - GROUP_BITS))];
        if (g != 0) { // whole coefficients (and maybe the end of block) in the prefix: skip them together
          int advance = (g >> 8) & 0xff;
          if (g < 0 ? k + advance < 64 : k + advance <= 64) { // else one of them lies past 63: decode singly
            buf <<= g & 0xff;
            bits -= g & 0xff;
            k += advance;
            if (g < 0) {
              break block;
            }
            continue;
          }
        }
        int rs;
        int e1 = lookup[(int) (buf >>> (64 - LOOKUP_BITS))];
        if (e1 != 0) {
          buf <<= e1 >> 8;
          bits -= e1 >> 8;
          rs = e1 & 0xff;
        } else {
          this.buf = buf;
          this.bits = bits;
          rs = slowHuff(ac);
          buf = this.buf;
          bits = this.bits;
        }
        int run = rs >> 4;
        int bitsize = rs & 15;
        if (bitsize == 0) {
          if (run != 15) {
            break block;
          }
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) {
          throw corrupt("coefficient index past 63");
        }
        buf <<= bitsize;
        bits -= bitsize;
        k++;
      }
    }
    this.buf = buf;
    this.bits = bits;
    coef[area] = anyAc;
    return predictor;
  }

  /**
   * The 2-point case of {@link #inverseDct} (1/4 scale), unrolled: the same products summed in the same order, so the
   * same floats come out. Clears {@code coef} for the next block.
   */
  private static void inverseDct2(int[] coef, byte[] plane, int at, int stride) {
    float f00 = coef[0];
    if (coef[4] == 0) { // DC only: a flat block
      byte v = clamp(f00 / 8f + 128f);
      coef[0] = 0;
      plane[at] = v;
      plane[at + 1] = v;
      plane[at + stride] = v;
      plane[at + stride + 1] = v;
      return;
    }
    float f01 = coef[1];
    float f10 = coef[2];
    float f11 = coef[3];
    coef[0] = 0;
    coef[1] = 0;
    coef[2] = 0;
    coef[3] = 0;
    coef[4] = 0;
    // rows: t[v][x] = sum_u M[x][u] F[v][u]
    float t00 = M2_00 * f00 + M2_01 * f01;
    float t01 = M2_10 * f00 + M2_11 * f01;
    float t10 = M2_00 * f10 + M2_01 * f11;
    float t11 = M2_10 * f10 + M2_11 * f11;
    // columns: out[y][x] = sum_v M[y][v] t[v][x]
    plane[at] = clamp(M2_00 * t00 + M2_01 * t10 + 128f);
    plane[at + 1] = clamp(M2_00 * t01 + M2_01 * t11 + 128f);
    plane[at + stride] = clamp(M2_10 * t00 + M2_11 * t10 + 128f);
    plane[at + stride + 1] = clamp(M2_10 * t01 + M2_11 * t11 + 128f);
  }

  /** The N-point inverse DCT of the kept N×N coefficients into the plane; clears {@code coef} for the next block. */
  private static void inverseDct(int n, int[] coef, float[] tmp, byte[] plane, int at, int stride) {
    if (coef[n * n] == 0) { // DC only: a flat block
      byte v = clamp(coef[0] / 8f + 128f);
      coef[0] = 0;
      for (int y = 0; y < n; y++) {
        java.util.Arrays.fill(plane, at + y * stride, at + y * stride + n, v);
      }
      return;
    }
    float[] m = IDCT[n];
    // rows: tmp[v][x] = sum_u M[x][u] F[v][u]
    for (int v = 0; v < n; v++) {
      for (int x = 0; x < n; x++) {
        float s = 0;
        for (int u = 0; u < n; u++) {
          s += m[x * n + u] * coef[v * n + u];
        }
        tmp[v * n + x] = s;
      }
    }
    java.util.Arrays.fill(coef, 0);
    // columns: out[y][x] = sum_v M[y][v] tmp[v][x]
    for (int y = 0; y < n; y++) {
      int row = at + y * stride;
      for (int x = 0; x < n; x++) {
        float s = 0;
        for (int v = 0; v < n; v++) {
          s += m[y * n + v] * tmp[v * n + x];
        }
        plane[row + x] = clamp(s + 128f);
      }
    }
  }

  private static byte clamp(float v) {
    return clamp8((int) (v + 0.5f));
  }

  /** JFIF YCbCr to RGB (fixed point, as libjpeg), chroma replicated over the luma samples it covers. */
  private byte[] toRgb(int n, int hmax, int vmax, byte[][] planes, int[] planeW) {
    int w = (width * n + 7) / 8;
    int h = (height * n + 7) / 8;
    byte[] rgb = new byte[w * h * 3];
    byte[] luma = planes[0];
    if (components == 1) {
      for (int y = 0, o = 0; y < h; y++) {
        int row = y * planeW[0];
        for (int x = 0; x < w; x++, o += 3) {
          byte v = luma[row + x];
          rgb[o] = v;
          rgb[o + 1] = v;
          rgb[o + 2] = v;
        }
      }
      return rgb;
    }
    byte[] cbPlane = planes[1];
    byte[] crPlane = planes[2];
    int vShift = vmax == 2 ? 1 : 0; // luma is sampled 1 or 2 times the chroma
    for (int y = 0, o = 0; y < h; y++) {
      int row = y * planeW[0];
      int crow = (y >> vShift) * planeW[1];
      if (hmax == 1) {
        for (int x = 0; x < w; x++) {
          o = ycc(luma[row + x], cbPlane[crow + x], crPlane[crow + x], rgb, o);
        }
        continue;
      }
      int x = 0;
      for (int ci = crow; x + 1 < w; x += 2, ci++) {
        // the chroma terms once for the two luma samples they cover
        int cb = (cbPlane[ci] & 0xff) - 128;
        int cr = (crPlane[ci] & 0xff) - 128;
        int rAdd = 91881 * cr + 32768;
        int gAdd = -22554 * cb - 46802 * cr + 32768;
        int bAdd = 116130 * cb + 32768;
        int y0 = (luma[row + x] & 0xff) << 16;
        int y1 = (luma[row + x + 1] & 0xff) << 16;
        rgb[o] = clamp8((y0 + rAdd) >> 16);
        rgb[o + 1] = clamp8((y0 + gAdd) >> 16);
        rgb[o + 2] = clamp8((y0 + bAdd) >> 16);
        rgb[o + 3] = clamp8((y1 + rAdd) >> 16);
        rgb[o + 4] = clamp8((y1 + gAdd) >> 16);
        rgb[o + 5] = clamp8((y1 + bAdd) >> 16);
        o += 6;
      }
      if (x < w) { // odd width: the last luma sample has its chroma sample to itself
        int ci = crow + (x >> 1);
        o = ycc(luma[row + x], cbPlane[ci], crPlane[ci], rgb, o);
      }
    }
    return rgb;
  }

  /** One pixel, JFIF YCbCr to RGB as libjpeg; returns the next output offset. */
  private static int ycc(byte luma, byte cbSample, byte crSample, byte[] rgb, int o) {
    int yy = (luma & 0xff) << 16;
    int cb = (cbSample & 0xff) - 128;
    int cr = (crSample & 0xff) - 128;
    rgb[o] = clamp8((yy + 91881 * cr + 32768) >> 16);
    rgb[o + 1] = clamp8((yy - 22554 * cb - 46802 * cr + 32768) >> 16);
    rgb[o + 2] = clamp8((yy + 116130 * cb + 32768) >> 16);
    return o + 3;
  }

  /** {@code v} clamped to 0..255, without branches (colour conversion clips rarely but unpredictably). */
  private static byte clamp8(int v) {
    int nonNegative = v & ~(v >> 31);
    return (byte) (nonNegative | ((255 - nonNegative) >> 31));
  }

  // ---- bit reader ----

  /** Tops the buffer up to at least 57 bits; at a marker or the end of the bytes it feeds zeros and counts them. */
  private void fill() {
    long buf = this.buf;
    int bits = this.bits;
    if (!atMarker) {
      byte[] b = this.b;
      int pos = this.pos;
      int last = b.length - 1;
      if (bits <= 56 && pos + 8 <= last) {
        long window = (long) BIG_ENDIAN_LONG.get(b, pos);
        long notFf = ~window; // a byte of the window is 0xFF where a byte of this is 0
        if (((notFf - 0x0101010101010101L) & window & 0x8080808080808080L) == 0) {
          int take = (64 - bits) >>> 3; // whole bytes that fit, at least one; none is a marker or stuffed
          buf |= (window & -1L << (64 - 8 * take)) >>> bits;
          bits += 8 * take;
          pos += take;
        }
      }
      while (bits <= 56) {
        if (pos >= last) {
          if (pos == last && b[pos] != (byte) 0xFF) {
            buf |= (long) (b[pos] & 0xff) << (56 - bits);
            bits += 8;
            pos++;
          }
          atMarker = true; // the bytes ran out: what follows reads as zeros
          break;
        }
        int c = b[pos] & 0xff;
        if (c == 0xFF) {
          int next = b[pos + 1] & 0xff;
          if (next == 0xFF) {
            pos++; // fill byte before a marker
            continue;
          }
          if (next != 0) {
            atMarker = true;
            break;
          }
          pos += 2;
        } else {
          pos++;
        }
        buf |= (long) c << (56 - bits);
        bits += 8;
      }
      this.pos = pos;
    }
    while (bits <= 56) {
      bits += 8;
      phantom += 8;
    }
    this.buf = buf;
    this.bits = bits;
  }

  /** A DC difference whose code and bits together are longer than the fast lookup's prefix; on the fields. */
  private int slowDc(Huffman dc, int predictor) {
    int e = dc.lookup[(int) (buf >>> (64 - LOOKUP_BITS))];
    int size;
    if (e != 0) {
      buf <<= e >> 8;
      bits -= e >> 8;
      size = e & 0xff;
    } else {
      size = slowHuff(dc);
    }
    if (size > 11) {
      throw corrupt("bad DC difference size " + size);
    }
    if (size > 0) {
      int v = (int) (buf >>> (64 - size));
      buf <<= size;
      bits -= size;
      predictor += v < (1 << (size - 1)) ? v - (1 << size) + 1 : v;
    }
    return predictor;
  }

  /** A code longer than the lookups' prefix (they had none); the buffer holds at least 16 bits. */
  private int slowHuff(Huffman t) {
    int code = (int) (buf >>> 48);
    for (int l = LOOKUP_BITS + 1; l <= 16; l++) {
      int c = code >>> (16 - l);
      if (c <= t.maxcode[l]) {
        buf <<= l;
        bits -= l;
        return t.values[t.valptr[l] + c - t.mincode[l]];
      }
    }
    throw corrupt("bad Huffman code");
  }

  private void restart(int index) {
    if (bits < phantom) {
      throw truncated();
    }
    fill();
    if (bits - phantom >= 8) {
      throw corrupt("extraneous bytes before restart marker " + index % 8);
    }
    while (pos < b.length && (b[pos] & 0xff) == 0xFF && pos + 1 < b.length && (b[pos + 1] & 0xff) == 0xFF) {
      pos++;
    }
    if (pos + 1 >= b.length || (b[pos] & 0xff) != 0xFF || (b[pos + 1] & 0xff) != 0xD0 + (index & 7)) {
      throw corrupt("expected restart marker RST" + (index & 7) + " at byte " + pos);
    }
    pos += 2;
    buf = 0;
    bits = 0;
    phantom = 0;
    atMarker = false;
  }

  private void endOfScan() {
    if (bits < phantom) {
      throw truncated();
    }
    fill();
    if (bits - phantom >= 8) {
      throw corrupt("extraneous bytes after the last block");
    }
    while (pos + 1 < b.length && (b[pos + 1] & 0xff) == 0xFF) {
      pos++;
    }
    if (pos + 1 >= b.length || (b[pos + 1] & 0xff) != 0xD9) {
      throw NOT_HANDLED; // no EOI right after the scan: let the full decoder judge what follows
    }
  }

  private ImageRejectedException truncated() {
    return corrupt("premature end of data");
  }

  private ImageRejectedException corrupt(String what) {
    return new ImageRejectedException(Reason.CORRUPT, who + ": damaged jpeg data: " + what);
  }

  /** A canonical Huffman table (JPEG Annex C) with lookups on the next {@link #LOOKUP_BITS} bits for the short codes. */
  private static final class Huffman {
    /** {@code length << 8 | symbol} for every prefix of a code of at most {@link #LOOKUP_BITS} bits; 0 otherwise. */
    final int[] lookup = new int[1 << LOOKUP_BITS];
    /**
     * For AC tables: {@code value << 16 | run << 8 | length} where a code and its value bits fit in the prefix together
     * (most coefficients of a photo); 0 otherwise.
     */
    final int[] fastAc;
    /**
     * For AC tables, to skip coefficients that are not kept: for every {@link #GROUP_BITS}-bit prefix, the whole
     * coefficients (code and value bits) it starts with, up to and including an end of block, as
     * {@code eob << 31 | advance << 8 | length}: {@code advance} is how far they move the zig-zag position (the sum of
     * their runs plus one each), {@code length} their bits; 0 where the prefix does not start with a whole coefficient
     * or an end of block (a long code, a long value, 16 zeros).
     */
    final int[] skipGroups;
    /**
     * For DC tables: {@code difference << 8 | length} where a code and its difference bits fit in the prefix together;
     * 0 otherwise.
     */
    final int[] fastDc;
    final int[] maxcode = new int[17];
    final int[] mincode = new int[17];
    final int[] valptr = new int[17];
    final int[] values;

    /** @param ac whether this is an AC table: only those get {@link #fastAc} and {@link #skipGroups} */
    Huffman(int[] counts, int[] values, boolean ac) {
      this.values = values;
      this.fastAc = ac ? new int[1 << LOOKUP_BITS] : null;
      this.skipGroups = ac ? new int[1 << GROUP_BITS] : null;
      this.fastDc = ac ? null : new int[1 << LOOKUP_BITS];
      int code = 0;
      int k = 0;
      for (int l = 1; l <= 16; l++) {
        valptr[l] = k;
        mincode[l] = code;
        for (int i = 0; i < counts[l]; i++) {
          if (code >= (1 << l)) {
            throw NOT_HANDLED; // over-subscribed table: the full decoder reports it
          }
          if (l <= LOOKUP_BITS) {
            int shift = LOOKUP_BITS - l;
            int base = code << shift;
            for (int j = 0; j < 1 << shift; j++) {
              lookup[base + j] = l << 8 | values[k];
            }
          }
          code++;
          k++;
        }
        maxcode[l] = counts[l] > 0 ? code - 1 : -1;
        code <<= 1;
      }
      if (!ac) {
        for (int top = 0; top < 1 << LOOKUP_BITS; top++) {
          int e = lookup[top];
          int len = e >> 8;
          int size = e & 0xff;
          if (e != 0 && size <= 11 && len + size <= LOOKUP_BITS) {
            int v = (top >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
            int diff = size == 0 ? 0 : v < (1 << (size - 1)) ? v - (1 << size) + 1 : v;
            fastDc[top] = diff << 8 | (len + size);
          }
        }
        return;
      }
      for (int top = 0; top < 1 << LOOKUP_BITS; top++) {
        int e = lookup[top];
        int len = e >> 8;
        int run = (e & 0xff) >> 4;
        int size = e & 15;
        if (e != 0 && size != 0 && len + size <= LOOKUP_BITS) {
          int v = (top >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
          v = v < (1 << (size - 1)) ? v - (1 << size) + 1 : v;
          fastAc[top] = v << 16 | run << 8 | (len + size);
        }
      }
      for (int top = 0; top < 1 << GROUP_BITS; top++) {
        int used = 0;
        int advance = 0;
        boolean eob = false;
        while (true) {
          int symbol = -1;
          int len = 0;
          for (int l = 1; l <= GROUP_BITS - used && symbol < 0; l++) {
            int c = (top >> (GROUP_BITS - used - l)) & ((1 << l) - 1);
            if (maxcode[l] >= 0 && c <= maxcode[l] && c >= mincode[l]) {
              symbol = values[valptr[l] + c - mincode[l]];
              len = l;
            }
          }
          if (symbol < 0) {
            break;
          }
          int run = symbol >> 4;
          int size = symbol & 15;
          if (size == 0) {
            if (run != 15) { // end of block (other zero-size symbols end it too, as in decodeBlock)
              used += len;
              eob = true;
            }
            break; // 16 zeros: decoded singly, it may end the block at position 64 without a check
          }
          if (used + len + size > GROUP_BITS) {
            break;
          }
          used += len + size;
          advance += run + 1;
        }
        if (used > 0) {
          skipGroups[top] = (eob ? Integer.MIN_VALUE : 0) | advance << 8 | used;
        }
      }
    }
  }
}
