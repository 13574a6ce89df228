package dev.anyup.streams.models.segmentation;

import dev.anyup.streams.models.DecodedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Generated texture mosaics with exact ground truth, for measuring segmentation quality offline: each mosaic splits
 * the square into 4–8 regions (a Voronoi partition of random seeds whose coordinates are warped by smooth value
 * noise, so boundaries are irregular curves that cross patch borders at every angle) and fills each region with one
 * texture. Why: real segmentation data sets cannot ship with the project, and an upsampler's value is precisely at
 * region boundaries, which a mosaic places where we know them to the pixel.
 *
 * <p>The textures are public-domain / CC0 crops of scikit-image's sample images shipped in this jar
 * ({@code textures/LICENCES.md} beside them). Geometry is defined on the unit square and textures are sampled at
 * one texture pixel per pixel of a 224 mosaic (bilinear), so a mosaic at 448 shows the same scene at twice the
 * resolution. Everything is derived from the seed: the same seed, index and size give the same mosaic.
 *
 * <p>Immutable and thread-safe.
 */
public final class TextureMosaics {

  /** The shipped textures, in label order. */
  public static final List<String> TEXTURES =
      List.of("brick", "grass", "gravel", "lawn", "fur", "wood", "stars", "fundus", "sky", "suit");

  private static final int REFERENCE_SIZE = 224;
  private static final double WARP = 0.09;

  private final List<String> names;
  /** Per texture: width, height, then interleaved RGB as floats. */
  private final List<float[]> rgb;
  private final int[] widths;
  private final int[] heights;

  private TextureMosaics(List<String> names, List<BufferedImage> images) {
    this.names = List.copyOf(names);
    this.rgb = new ArrayList<>();
    this.widths = new int[images.size()];
    this.heights = new int[images.size()];
    for (int t = 0; t < images.size(); t++) {
      BufferedImage img = images.get(t);
      int w = img.getWidth();
      int h = img.getHeight();
      float[] px = new float[w * h * 3];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = img.getRGB(x, y);
          int i = (y * w + x) * 3;
          px[i] = (v >> 16) & 255;
          px[i + 1] = (v >> 8) & 255;
          px[i + 2] = v & 255;
        }
      }
      widths[t] = w;
      heights[t] = h;
      rgb.add(px);
    }
  }

  /** The generator over the {@link #TEXTURES} shipped in this jar. */
  public static TextureMosaics shipped() {
    List<BufferedImage> images = new ArrayList<>();
    for (String name : TEXTURES) {
      String resource = "textures/" + name + ".png";
      try (InputStream in = TextureMosaics.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("texture resource " + resource + " is missing from the models jar");
        }
        images.add(ImageIO.read(in));
      } catch (IOException e) {
        throw new UncheckedIOException("texture resource " + resource + " is unreadable", e);
      }
    }
    return new TextureMosaics(TEXTURES, images);
  }

  /** The texture names; label {@code i} of a mosaic is texture {@code names().get(i)}. */
  public List<String> names() {
    return names;
  }

  /**
   * One mosaic: an RGB image and its label map (label = texture index).
   *
   * @param image the mosaic, {@code size × size}
   * @param labels the texture index of every pixel, row-major
   * @param textures the textures used, in the order their regions were seeded
   */
  public record Mosaic(DecodedImage image, int[] labels, List<Integer> textures) {

    public int size() {
      return image.width();
    }

    /** Whether texture {@code t} covers at least {@code minPixels} pixels. */
    public boolean covers(int t, int minPixels) {
      int n = 0;
      for (int l : labels) {
        if (l == t && ++n >= minPixels) {
          return true;
        }
      }
      return false;
    }

    /** The mosaic as an RGB PNG. */
    public byte[] png() {
      int s = image.width();
      BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
      byte[] b = image.rgb();
      for (int p = 0; p < s * s; p++) {
        img.setRGB(p % s, p / s, ((b[3 * p] & 255) << 16) | ((b[3 * p + 1] & 255) << 8) | (b[3 * p + 2] & 255));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        ImageIO.write(img, "png", out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    /** The labels as a label map named by {@code classNames} (for {@link LabelPng#labels}). */
    public LabelMap labelMap(List<String> classNames) {
      return new LabelMap(image.width(), image.height(), labels, null, classNames);
    }
  }

  /**
   * Mosaic number {@code index} of the series {@code seed}.
   *
   * @param size side in pixels
   * @param minTextures at least 2
   * @param maxTextures at most {@link #names()}{@code .size()}
   */
  public Mosaic mosaic(long seed, int index, int size, int minTextures, int maxTextures) {
    if (size <= 0) {
      throw new IllegalArgumentException("mosaic size must be positive but was " + size);
    }
    if (minTextures < 2 || maxTextures < minTextures || maxTextures > names.size()) {
      throw new IllegalArgumentException("textures per mosaic must be within [2, " + names.size() + "] but was ["
          + minTextures + ", " + maxTextures + "]");
    }
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    int n = minTextures + r.nextInt(maxTextures - minTextures + 1);
    int[] order = new int[names.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = 0; i < n; i++) { // partial Fisher-Yates: the first n are a random subset
      int j = i + r.nextInt(order.length - i);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    double[] sx = new double[n];
    double[] sy = new double[n];
    for (int i = 0; i < n; i++) {
      sx[i] = r.nextDouble();
      sy[i] = r.nextDouble();
    }
    double[] offX = new double[n];
    double[] offY = new double[n];
    for (int i = 0; i < n; i++) {
      offX[i] = r.nextDouble() * widths[order[i]];
      offY[i] = r.nextDouble() * heights[order[i]];
    }
    ValueNoise wx = new ValueNoise(r);
    ValueNoise wy = new ValueNoise(r);
    int[] labels = new int[size * size];
    byte[] out = new byte[size * size * 3];
    double texScale = (double) REFERENCE_SIZE / size;
    for (int y = 0; y < size; y++) {
      double v = (y + 0.5) / size;
      for (int x = 0; x < size; x++) {
        double u = (x + 0.5) / size;
        double px = u + WARP * wx.at(u, v);
        double py = v + WARP * wy.at(u, v);
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
          double dx = px - sx[i];
          double dy = py - sy[i];
          double d = dx * dx + dy * dy;
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
        int t = order[best];
        int p = y * size + x;
        labels[p] = t;
        sample(t, offX[best] + (x + 0.5) * texScale - 0.5, offY[best] + (y + 0.5) * texScale - 0.5, out, p * 3);
      }
    }
    List<Integer> used = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      used.add(order[i]);
    }
    return new Mosaic(new DecodedImage(size, size, out, "png"), labels, used);
  }

  /** Bilinear sample of texture {@code t} at {@code (x, y)}, mirrored at the borders, into {@code out[at..at+2]}. */
  private void sample(int t, double x, double y, byte[] out, int at) {
    int w = widths[t];
    int h = heights[t];
    float[] px = rgb.get(t);
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double fx = x - x0;
    double fy = y - y0;
    int ax = mirror(x0, w);
    int bx = mirror(x0 + 1, w);
    int ay = mirror(y0, h);
    int by = mirror(y0 + 1, h);
    for (int ch = 0; ch < 3; ch++) {
      double top = px[(ay * w + ax) * 3 + ch] * (1 - fx) + px[(ay * w + bx) * 3 + ch] * fx;
      double bottom = px[(by * w + ax) * 3 + ch] * (1 - fx) + px[(by * w + bx) * 3 + ch] * fx;
      out[at + ch] = (byte) Math.round(top * (1 - fy) + bottom * fy);
    }
  }

  /** Index into {@code [0, n)} reflecting at both ends (…2 1 0 0 1 2 … n-1 n-1 n-2 …). */
  private static int mirror(int i, int n) {
    int period = 2 * n;
    int m = Math.floorMod(i, period);
    return m < n ? m : period - 1 - m;
  }

  /** Smooth noise in about [-1, 1] on the unit square: two octaves of smoothstep-interpolated random grids. */
  private static final class ValueNoise {
    private final double[] coarse;
    private final double[] fine;
    private static final int COARSE = 3;
    private static final int FINE = 7;

    ValueNoise(SplittableRandom r) {
      coarse = grid(r, COARSE);
      fine = grid(r, FINE);
    }

    private static double[] grid(SplittableRandom r, int cells) {
      double[] g = new double[(cells + 1) * (cells + 1)];
      for (int i = 0; i < g.length; i++) {
        g[i] = 2 * r.nextDouble() - 1;
      }
      return g;
    }

    double at(double u, double v) {
      return 0.75 * interpolate(coarse, COARSE, u, v) + 0.35 * interpolate(fine, FINE, u, v);
    }

    private static double interpolate(double[] g, int cells, double u, double v) {
      double x = Math.min(Math.max(u, 0), 1) * cells;
      double y = Math.min(Math.max(v, 0), 1) * cells;
      int x0 = Math.min((int) x, cells - 1);
      int y0 = Math.min((int) y, cells - 1);
      double fx = smooth(x - x0);
      double fy = smooth(y - y0);
      int n = cells + 1;
      double top = g[y0 * n + x0] * (1 - fx) + g[y0 * n + x0 + 1] * fx;
      double bottom = g[(y0 + 1) * n + x0] * (1 - fx) + g[(y0 + 1) * n + x0 + 1] * fx;
      return top * (1 - fy) + bottom * fy;
    }

    private static double smooth(double t) {
      return t * t * (3 - 2 * t);
    }
  }
}
