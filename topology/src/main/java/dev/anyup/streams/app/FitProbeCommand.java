package dev.anyup.streams.app;

import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFile;
import dev.anyup.streams.models.segmentation.ProbeFitter;
import dev.anyup.streams.models.segmentation.SegmentationScores;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fit-probe}: fits a linear probe ({@link ProbeFitter}) on a folder of images with label masks, through the
 * configured bundle's encoder and upsampler exactly as the app runs them (decoder limits, shorter side to the input
 * size + centre crop), and writes a probe file for {@code segmentation.head: probe}. So a user gets a probe for their
 * own classes without PyTorch; the printed held-out mIoU says whether it is worth deploying.
 *
 * <p>The folder: {@code classes.txt} (one class name per non-blank line; line i is label i) and image + mask pairs
 * {@code NAME.EXT} + {@code NAME.mask.png} (EXT one of jpg, jpeg, png, bmp, gif, webp). A mask is a greyscale PNG of
 * the image's size whose pixel value is the label; 255 marks pixels to ignore. Masks are mapped onto the upsampled
 * feature map by nearest neighbour through the image's own transform (each feature pixel takes the label of the
 * source pixel under its centre).
 */
@Command(name = "fit-probe", // no mixinStandardHelpOptions: --version is the probe's version here
    description = "Fit a linear segmentation probe on images + masks and write a probe file.")
final class FitProbeCommand implements Callable<Integer> {

  static final String CLASSES_FILE = "classes.txt";
  static final String MASK_SUFFIX = ".mask.png";
  static final int IGNORE = 255;
  /** fit-probe talks to no broker or registry; these defaults only let a model-only config file validate. */
  private static final Map<String, String> NO_KAFKA =
      Map.of("bootstrap.servers", "unused:9092", "schema.registry.url", "http://unused");
  private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

  @Mixin
  AppConfigOptions options;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
  boolean help;

  @Option(names = "--data", required = true, description = "folder of NAME.jpg + NAME.mask.png pairs and classes.txt")
  Path data;

  @Option(names = "--out", required = true, description = "probe file to write (JSON)")
  Path out;

  @Option(names = "--held-out", defaultValue = "0.2", description = "share of images kept out of the fit and scored "
      + "(0 = none)")
  double heldOut;

  @Option(names = "--name", defaultValue = "probe", description = "probe name")
  String name;

  @Option(names = "--version", defaultValue = "1", description = "probe version")
  String version;

  @Option(names = "--seed", defaultValue = "42", description = "seed of the held-out split and the pixel sampling")
  long seed;

  @Option(names = "--max-samples", defaultValue = "50000", description = "labelled pixels to fit on at most")
  int maxSamples;

  @Option(names = "--l2", defaultValue = "1e-4", description = "L2 penalty on the standardised weights")
  double l2;

  @Spec
  CommandSpec spec;

  /** One image and its mask file. */
  record Pair(String name, Path image, Path mask) {}

  @Override
  public Integer call() throws IOException {
    if (!(heldOut >= 0 && heldOut < 1)) {
      throw new IllegalArgumentException("--held-out must be in [0, 1) but was " + heldOut);
    }
    PrintWriter printer = spec.commandLine().getOut();
    List<String> classes = readClasses(data);
    List<Pair> pairs = pairs(data);
    List<Pair> shuffled = new ArrayList<>(pairs);
    Collections.shuffle(shuffled, new Random(seed));
    int held = heldOut == 0 ? 0 : Math.max(1, (int) Math.round(heldOut * pairs.size()));
    if (held >= pairs.size()) {
      throw new IllegalArgumentException("--held-out " + heldOut + " of " + pairs.size()
          + " images leaves none to fit on");
    }
    List<Pair> test = shuffled.subList(0, held);
    List<Pair> train = shuffled.subList(held, shuffled.size());

    AppConfig cfg = options.load(System.getenv(), NO_KAFKA, Map.of());
    ProbeFitter fitter = ProbeFitter.builder().l2(l2).maxSamples(maxSamples).seed(seed).build();
    try (ModelBundle bundle = AnyupApp.loadBundle(cfg, cfg.model())) {
      int size = cfg.model().inputSize();
      if (!bundle.inputSizes().contains(size)) {
        throw new IllegalArgumentException("model.input.size " + size + " is not one of the bundle's profiles "
            + bundle.inputSizes());
      }
      Labelled labelled = new Labelled(ImageDecoder.create(cfg.limits().imageLimits()),
          bundle.preprocessor(size), bundle.extractor(size), classes.size());
      printer.printf(Locale.ROOT, "fit-probe: %d images (%d to fit, %d held out), %d classes, encoder %s, upsampler "
          + "%s, input %d%n", pairs.size(), train.size(), test.size(), classes.size(),
          bundle.encoderRef().name() + " " + bundle.encoderRef().version(),
          bundle.upsamplerRef().name(), size);
      printer.flush();

      // pass 1: keep a seeded subsample of each training image's labelled pixels (memory stays bounded)
      int perImage = Math.max(1, (int) Math.min(Integer.MAX_VALUE, 2L * maxSamples / train.size()));
      List<FeatureMap> pixels = new ArrayList<>();
      List<int[]> pixelLabels = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(seed);
      for (Pair p : train) {
        Labelled.Item item = labelled.run(p);
        subsample(item.features(), item.labels(), perImage, random.split(), pixels, pixelLabels);
      }
      long t0 = System.nanoTime();
      ProbeFitter.Fit fit = fitter.fit(pixels, pixelLabels, classes, name, version);
      printer.printf(Locale.ROOT, "fitted on %d pixels: %d iterations, %.1f s, sample accuracy %.4f%n",
          fit.samples(), fit.iterations(), (System.nanoTime() - t0) / 1e9, fit.trainingAccuracy());

      // pass 2: score the probe on whole images
      LinearProbe probe = fit.probe();
      printer.println(scoreLine("training", score(labelled, probe, train)));
      if (!test.isEmpty()) {
        printer.println(scoreLine("held-out", score(labelled, probe, test)));
      }
      ProbeFile.write(out, probe, bundle.encoderRef().sha256());
      printer.println("wrote " + out + " (" + probe + ", encoder sha256 " + bundle.encoderRef().sha256() + ")");
      printer.flush();
    }
    return 0;
  }

  private static String scoreLine(String split, SegmentationScores s) {
    return String.format(Locale.ROOT, "%s mIoU %.4f (pixel accuracy %.4f, boundary F %.4f)", split, s.meanIou(),
        s.pixelAccuracy(), s.boundaryF());
  }

  private static SegmentationScores score(Labelled labelled, LinearProbe probe, List<Pair> pairs) throws IOException {
    SegmentationScores total = SegmentationScores.empty(probe.classes());
    for (Pair p : pairs) {
      Labelled.Item item = labelled.run(p);
      FeatureMap f = item.features();
      int[] predicted = probe.label(f, false).labels();
      total = total.plus(SegmentationScores.of(item.labels(), predicted, f.width(), f.height(), probe.classes(),
          SegmentationScores.defaultTolerance(f.width(), f.height())));
    }
    return total;
  }

  /** Up to {@code limit} labelled pixels of one map, as a {@code C × 1 × n} map, chosen with {@code random}. */
  private static void subsample(FeatureMap f, int[] labels, int limit, SplittableRandom random,
      List<FeatureMap> pixels, List<int[]> pixelLabels) {
    int hw = labels.length;
    int labelled = 0;
    for (int l : labels) {
      labelled += l >= 0 ? 1 : 0;
    }
    int n = Math.min(limit, labelled);
    if (n == 0) {
      return;
    }
    int c = f.channels();
    float[] x = f.data();
    float[] out = new float[c * n];
    int[] outLabels = new int[n];
    int taken = 0;
    int seen = 0;
    for (int p = 0; p < hw && taken < n; p++) {
      if (labels[p] < 0) {
        continue;
      }
      if (random.nextDouble() * (labelled - seen) < n - taken) {
        for (int ch = 0; ch < c; ch++) {
          out[ch * n + taken] = x[ch * hw + p];
        }
        outLabels[taken++] = labels[p];
      }
      seen++;
    }
    pixels.add(new FeatureMap(c, 1, n, out));
    pixelLabels.add(outLabels);
  }

  static List<String> readClasses(Path dir) throws IOException {
    Path file = dir.resolve(CLASSES_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no " + CLASSES_FILE + " in " + dir + ": it names the classes, one per line"
          + " (line i = label i)");
    }
    List<String> classes = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::trim)
        .filter(l -> !l.isEmpty()).toList();
    if (classes.size() < 2 || classes.size() > IGNORE) {
      throw new IllegalArgumentException(file + " names " + classes.size() + " classes; a probe needs 2 to " + IGNORE);
    }
    return classes;
  }

  static List<Pair> pairs(Path dir) throws IOException {
    List<Pair> pairs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String file = f.getFileName().toString();
        int dot = file.lastIndexOf('.');
        if (file.endsWith(MASK_SUFFIX) || dot <= 0
            || !IMAGE_EXTENSIONS.contains(file.substring(dot + 1).toLowerCase(Locale.ROOT))) {
          continue;
        }
        String base = file.substring(0, dot);
        Path mask = dir.resolve(base + MASK_SUFFIX);
        if (!Files.isRegularFile(mask)) {
          throw new IllegalArgumentException("image " + f + " has no mask " + mask.getFileName());
        }
        pairs.add(new Pair(base, f, mask));
      }
    }
    if (pairs.size() < 2) {
      throw new IllegalArgumentException(dir + " holds " + pairs.size() + " image + mask pairs (NAME.jpg + NAME"
          + MASK_SUFFIX + "); at least 2 are needed");
    }
    return pairs;
  }

  /** Runs an image through the app's decoding, preprocessing and models, and maps its mask onto the features. */
  static final class Labelled {
    record Item(FeatureMap features, int[] labels) {}

    private final ImageDecoder decoder;
    private final Preprocessor preprocessor;
    private final FeatureExtractor extractor;
    private final int classes;

    Labelled(ImageDecoder decoder, Preprocessor preprocessor, FeatureExtractor extractor, int classes) {
      this.decoder = decoder;
      this.preprocessor = preprocessor;
      this.extractor = extractor;
      this.classes = classes;
    }

    Item run(Pair pair) throws IOException {
      DecodedImage image = decoder.decode(pair.name(), Files.readAllBytes(pair.image()));
      int[] mask;
      try {
        mask = LabelPng.readLabels(Files.readAllBytes(pair.mask()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mask " + pair.mask() + ": " + e.getMessage(), e);
      }
      if (mask.length != image.width() * image.height()) {
        throw new IllegalArgumentException("mask " + pair.mask() + " holds " + mask.length + " pixels but image "
            + pair.image() + " is " + image.width() + "x" + image.height());
      }
      PreprocessedImage pre = preprocessor.apply(image);
      FeatureMap features = extractor.run(List.of(pre)).get(0).upsampled();
      return new Item(features, maskOnFeatures(mask, image.width(), image.height(), pre.transform(), features,
          pair.mask()));
    }

    /** Nearest neighbour: each feature pixel takes the mask value under its centre; 255 and padding become -1. */
    private int[] maskOnFeatures(int[] mask, int w, int h, ImageTransform t, FeatureMap f, Path file) {
      int fw = f.width();
      int fh = f.height();
      int[] labels = new int[fw * fh];
      double sx = (double) t.targetWidth() / fw;
      double sy = (double) t.targetHeight() / fh;
      for (int y = 0; y < fh; y++) {
        for (int x = 0; x < fw; x++) {
          double tx = (x + 0.5) * sx;
          double ty = (y + 0.5) * sy;
          if (!t.isContent((int) tx, (int) ty)) {
            labels[y * fw + x] = -1;
            continue;
          }
          double[] src = t.toSource(tx, ty);
          int px = Math.min(w - 1, Math.max(0, (int) Math.floor(src[0])));
          int py = Math.min(h - 1, Math.max(0, (int) Math.floor(src[1])));
          int v = mask[py * w + px];
          if (v == IGNORE) {
            v = -1;
          } else if (v >= classes) {
            throw new IllegalArgumentException("mask " + file + " has label " + v + " at (" + px + ", " + py
                + ") but " + CLASSES_FILE + " names only " + classes + " classes (255 = ignore)");
          }
          labels[y * fw + x] = v;
        }
      }
      return labels;
    }
  }
}
