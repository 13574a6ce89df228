package dev.anyup.streams.models;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files holding little-endian float32 ({@code <f4}) or float16 ({@code <f2}) in C order, the
 * tensor format of model bundles and test fixtures (other dtypes and Fortran order are refused), and writes a
 * {@link FeatureMap} as one ({@code numpy.load} gives a {@code [C, H, W]} float32 array).
 */
public final class Npy {

  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private final int[] shape;
  private final float[] data;

  private Npy(int[] shape, float[] data) {
    this.shape = shape;
    this.data = data;
  }

  /** The shape; empty for a scalar. */
  public int[] shape() {
    return shape.clone();
  }

  /** The values in C order, widened to float. */
  public float[] data() {
    return data;
  }

  /** Reads {@code file}; the message of any failure names the file. */
  public static Npy read(Path file) throws IOException {
    try {
      return parse(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code map} to {@code file} as an npy file (format 1.0, little-endian float32, shape {@code [C, H, W]},
   * data 64-byte aligned), replacing it.
   */
  public static void write(Path file, FeatureMap map) throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + map.channels() + ", " + map.height() + ", "
        + map.width() + "), }";
    // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
    int unpadded = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    float[] data = map.data();
    ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    out.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    out.asFloatBuffer().put(data);
    Files.write(file, out.array());
  }

  /** Parses npy bytes. */
  public static Npy parse(byte[] bytes) {
    if (bytes.length < 10 || (bytes[0] & 0xff) != 0x93 || bytes[1] != 'N' || bytes[2] != 'U' || bytes[3] != 'M'
        || bytes[4] != 'P' || bytes[5] != 'Y') {
      throw new IllegalArgumentException("not an npy file (bad magic)");
    }
    int major = bytes[6] & 0xff;
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int headerStart;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      headerLen = buf.getInt(8);
      headerStart = 12;
    } else {
      throw new IllegalArgumentException("unsupported npy version " + major);
    }
    if (headerStart + headerLen > bytes.length) {
      throw new IllegalArgumentException("truncated npy header");
    }
    String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, "descr");
    if ("True".equals(group(FORTRAN, header, "fortran_order"))) {
      throw new IllegalArgumentException("Fortran-order npy is not supported");
    }
    String dims = group(SHAPE, header, "shape").trim();
    int[] shape = dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(","))
        .map(String::trim).filter(d -> !d.isEmpty()).mapToInt(Integer::parseInt).toArray();
    long count = 1;
    for (int d : shape) {
      count *= d;
    }
    int elem;
    if ("<f4".equals(descr)) {
      elem = 4;
    } else if ("<f2".equals(descr)) {
      elem = 2;
    } else {
      throw new IllegalArgumentException("unsupported npy dtype '" + descr + "' (want <f4 or <f2)");
    }
    int dataStart = headerStart + headerLen;
    if (dataStart + count * elem != bytes.length) {
      throw new IllegalArgumentException("npy data holds " + (bytes.length - dataStart) + " bytes, shape "
          + Arrays.toString(shape) + " of " + descr + " needs " + (count * elem));
    }
    float[] data = new float[(int) count];
    buf.position(dataStart);
    if (elem == 4) {
      buf.asFloatBuffer().get(data);
    } else {
      for (int i = 0; i < data.length; i++) {
        data[i] = Half.toFloat(buf.getShort(dataStart + 2 * i));
      }
    }
    return new Npy(shape, data);
  }

  private static String group(Pattern p, String header, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException("npy header lacks '" + key + "': " + header.trim());
    }
    return m.group(1);
  }
}
