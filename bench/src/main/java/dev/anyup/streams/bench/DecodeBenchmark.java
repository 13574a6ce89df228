package dev.anyup.streams.bench;

import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.ResizeMode;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Issue 24: decode + preprocess CPU per frame for camera-sized JPEGs (640×480, 1920×1080, 3840×2160) to 224 and 448,
 * full decoding against scaled (DCT-domain) decoding, alternating in one run. Prints the median over rounds of the
 * calling thread's CPU milliseconds per frame (one core's worth of work) and the ratio. Frames: photos given with
 * {@code --photo FILE} (resized bicubic to each size, JPEG quality 0.9), else the bench's camera-like synthetic frames.
 * With {@code --bundle DIR} it also runs one 1080p frame both ways through the bundle's 224 extractor and prints the
 * max |diff| and cosine of the upsampled features (the fidelity of the fast path).
 *
 * <pre>
 * java -cp ... dev.anyup.streams.bench.DecodeBenchmark [--photo FILE]... [--rounds N] [--bundle DIR]
 * </pre>
 */
public final class DecodeBenchmark {

  private static final int[][] SIZES = {{640, 480}, {1920, 1080}, {3840, 2160}};
  private static final int[] TARGETS = {224, 448};
  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};

  private DecodeBenchmark() {}

  public static void main(String[] args) throws IOException {
    List<Path> photos = new ArrayList<>();
    int rounds = 7;
    String bundle = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--photo" -> photos.add(Path.of(args[++i]));
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--bundle" -> bundle = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    System.out.printf(Locale.ROOT, "%-11s %-7s %9s %6s %14s %14s %7s%n", "frame", "target", "jpeg KB", "scale",
        "full ms/frame", "scaled ms/frame", "ratio");
    for (int[] size : SIZES) {
      List<byte[]> frames = frames(photos, size[0], size[1]);
      for (int target : TARGETS) {
        Preprocessor pre = Preprocessor.create(target, ResizeMode.SHORTER_SIDE_CENTER_CROP, MEAN, STD);
        ImageDecoder full = ImageDecoder.create(ImageLimits.defaults());
        ImageDecoder scaled = ImageDecoder.create(ImageLimits.defaults(), pre);
        int reduction = scaled.decode(frames.get(0)).reduction();
        int perRound = Math.max(4, (int) (2_000_000L * 4 / ((long) size[0] * size[1])));
        double[] fullMs = new double[rounds];
        double[] scaledMs = new double[rounds];
        run(full, pre, frames, perRound); // warm-up
        run(scaled, pre, frames, perRound);
        for (int r = 0; r < rounds; r++) {
          fullMs[r] = run(full, pre, frames, perRound);
          scaledMs[r] = run(scaled, pre, frames, perRound);
        }
        double f = median(fullMs);
        double s = median(scaledMs);
        double kb = frames.stream().mapToInt(b -> b.length).average().orElse(0) / 1024;
        System.out.printf(Locale.ROOT, "%-11s %-7d %9.0f %6s %14.2f %14.2f %6.1fx%n", size[0] + "x" + size[1], target,
            kb, "1/" + reduction, f, s, f / s);
      }
    }
    if (bundle != null) {
      fidelity(Path.of(bundle), frames(photos, 1920, 1080).get(0));
    }
  }

  /** Thread CPU ms per frame for decode + preprocess of {@code count} frames. */
  private static double run(ImageDecoder decoder, Preprocessor pre, List<byte[]> frames, int count) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long t0 = mx.getCurrentThreadCpuTime();
    float sink = 0;
    for (int i = 0; i < count; i++) {
      DecodedImage d = decoder.decode(frames.get(i % frames.size()));
      sink += pre.apply(d).chw()[0];
    }
    long t1 = mx.getCurrentThreadCpuTime();
    if (sink == Float.MAX_VALUE) {
      System.out.print("");
    }
    return (t1 - t0) / 1e6 / count;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static void fidelity(Path dir, byte[] jpeg) {
    try (ModelBundle bundle = ModelBundle.load(dir, InferenceOptions.builder().build())) {
      Preprocessor pre = bundle.preprocessor(224, ResizeMode.SHORTER_SIDE_CENTER_CROP);
      DecodedImage full = ImageDecoder.create(ImageLimits.defaults()).decode(jpeg);
      DecodedImage fast = ImageDecoder.create(ImageLimits.defaults(), pre).decode(jpeg);
      PreprocessedImage a = pre.apply(full);
      PreprocessedImage b = pre.apply(fast);
      FeatureResult fa = bundle.extractor(224).run(List.of(a)).get(0);
      FeatureResult fb = bundle.extractor(224).run(List.of(b)).get(0);
      System.out.println("fidelity, 1920x1080 frame to 224 decoded at 1/" + fast.reduction() + " vs in full ("
          + dir + "):");
      compare("input tensor", a.chw(), b.chw());
      compare("patch features", fa.patchFeatures().data(), fb.patchFeatures().data());
      FeatureMap ua = fa.upsampled();
      FeatureMap ub = fb.upsampled();
      if (ua != null && ub != null) {
        compare("upsampled features", ua.data(), ub.data());
        pixelCosines(ua, ub);
      }
    }
  }

  private static void compare(String what, float[] a, float[] b) {
    double max = 0;
    double maxRef = 0;
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      maxRef = Math.max(maxRef, Math.abs(a[i]));
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    System.out.printf(Locale.ROOT, "  %-20s max |diff| %.4f (max |value| %.3f), cosine of the whole tensor %.6f%n",
        what, max, maxRef, dot / Math.sqrt(na * nb));
  }

  /** Per-pixel cosine of the C-dimensional feature vectors: mean and minimum. */
  private static void pixelCosines(FeatureMap a, FeatureMap b) {
    int hw = a.height() * a.width();
    double sum = 0;
    double min = 1;
    for (int p = 0; p < hw; p++) {
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int c = 0; c < a.channels(); c++) {
        double x = a.data()[c * hw + p];
        double y = b.data()[c * hw + p];
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      double cos = dot / Math.sqrt(na * nb);
      sum += cos;
      min = Math.min(min, cos);
    }
    System.out.printf(Locale.ROOT, "  %-20s per-pixel cosine mean %.6f, min %.6f%n", "upsampled features",
        sum / hw, min);
  }

  /** Up to 4 JPEGs of {@code w×h}: the photos resized, or synthetic camera-like frames. */
  private static List<byte[]> frames(List<Path> photos, int w, int h) throws IOException {
    List<byte[]> out = new ArrayList<>();
    if (photos.isEmpty()) {
      SyntheticImages synthetic = new SyntheticImages(w, h, 24);
      for (int i = 0; i < 4; i++) {
        out.add(synthetic.jpeg(i));
      }
      return out;
    }
    for (Path p : photos) {
      BufferedImage src = ImageIO.read(p.toFile());
      if (src == null) {
        throw new IOException("not an image: " + p);
      }
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.drawImage(src, 0, 0, w, h, null);
      g.dispose();
      out.add(jpeg(img));
    }
    return out;
  }

  private static byte[] jpeg(BufferedImage img) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.9f);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
