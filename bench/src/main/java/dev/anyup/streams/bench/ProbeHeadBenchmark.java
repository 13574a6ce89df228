package dev.anyup.streams.bench;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.segmentation.LinearProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Model-only throughput with the segmentation probe head on and off, on one bundle in one run (same inputs, same
 * machine state), so the ratio says what labelling costs:
 *
 * <ol>
 *   <li>{@code features}: no probe, the 32-bit upsampled map copied out (what a features-only pipeline pays);
 *   <li>{@code labels in graph}: the probe head in the upsampler graph and the map not even a graph output;
 *   <li>{@code labels + map in graph}: the probe head, the map still copied out;
 *   <li>{@code labels in Java}: no head; {@link LinearProbe#label} on the copied-out map (the built-in upsamplers'
 *       path, and what the head replaces).
 * </ol>
 *
 * <pre>
 * mvn -B -o -q -pl bench -am package -DskipTests
 * java -cp 'bench/target/classes:bench/target/dependency/*' dev.anyup.streams.bench.ProbeHeadBenchmark \
 *     [default|BUNDLE_DIR] [--size 224] [--batch 1] [--seconds 6] [--rounds 3] [--classes 27] [--device cpu]
 * </pre>
 * The configurations take turns ({@code --rounds}, each measured for {@code --seconds} per round after a warm-up
 * call), so that a neighbour's load on a shared machine falls on all of them rather than on one.
 * A real-structure bundle (ViT-S/14 + AnyUp): {@code python3 -m anyup_export.bench_models DIR} in models/export.
 */
public final class ProbeHeadBenchmark {

  private ProbeHeadBenchmark() {}

  /** One configuration: its name, its bundle (open for the whole run) and its extractor. */
  private record Config(String name, ModelBundle bundle, ModelCeiling ceiling) {}

  public static void main(String[] args) throws Exception {
    String bundle = "default";
    int size = 224;
    int batch = 1;
    int seconds = 6;
    int rounds = 3;
    int classes = 27;
    String device = "cpu";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--classes" -> classes = Integer.parseInt(args[++i]);
        case "--device" -> device = args[++i];
        default -> {
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + args[i]);
          }
          bundle = args[i];
        }
      }
    }
    if (rounds <= 0 || seconds <= 0 || batch <= 0) {
      throw new IllegalArgumentException("rounds, seconds and batch must be positive, were " + rounds + ", " + seconds
          + ", " + batch);
    }
    System.setProperty("ai.djl.offline", "true");
    int channels;
    try (ModelBundle probeSize = open(bundle, InferenceOptions.builder().device(device).build())) {
      channels = probeSize.extractor(size).run(List.of(input(probeSize, size))).get(0).upsampled().channels();
    }
    LinearProbe probe = randomProbe(classes, channels);
    System.out.printf("probe head benchmark: bundle %s, %d px, batch %d, %d classes x %d channels, %s, %d rounds of "
        + ">= %d s each, %d cpus%n", bundle, size, batch, classes, channels, device, rounds, seconds,
        Runtime.getRuntime().availableProcessors());
    Duration time = Duration.ofSeconds(seconds);
    List<Config> configs = new ArrayList<>();
    try {
      configs.add(config("features (no probe)", open(bundle, InferenceOptions.builder().device(device).build()), size,
          batch, Function.identity()));
      configs.add(config("labels in graph", open(bundle, InferenceOptions.builder().device(device).probe(probe, false)
          .outputHead(new OutputHead(DType.FLOAT32, null, false)).build()), size, batch, Function.identity()));
      configs.add(config("labels + map in graph", open(bundle, InferenceOptions.builder().device(device)
          .probe(probe, false).build()), size, batch, Function.identity()));
      configs.add(config("labels in Java", open(bundle, InferenceOptions.builder().device(device).build()), size,
          batch, x -> javaLabels(x, probe)));
      long[] images = new long[configs.size()];
      double[] secondsTaken = new double[configs.size()];
      List<List<Double>> p50s = new ArrayList<>();
      configs.forEach(c -> p50s.add(new ArrayList<>()));
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < configs.size(); i++) {
          ModelCeiling.Result r = configs.get(i).ceiling().measure(batch, time, 3);
          images[i] += (long) batch * r.calls();
          secondsTaken[i] += batch * r.calls() / r.imagesPerSecond();
          p50s.get(i).add(r.callMs().p50());
        }
      }
      double reference = images[0] / secondsTaken[0];
      System.out.printf("%-24s %12s %8s %18s %12s%n", "configuration", "images/s", "images", "median p50 ms",
          "vs features");
      for (int i = 0; i < configs.size(); i++) {
        double ips = images[i] / secondsTaken[i];
        double p50 = p50s.get(i).stream().sorted().toList().get(rounds / 2);
        System.out.printf("%-24s %12.2f %8d %18.1f %11.2fx%n", configs.get(i).name(), ips, images[i], p50,
            ips / reference);
      }
    } finally {
      configs.forEach(c -> c.bundle().close());
    }
  }

  private static ModelBundle open(String bundle, InferenceOptions options) {
    return bundle.equals("default") ? ModelBundle.loadDefault(options) : ModelBundle.load(Path.of(bundle), options);
  }

  private static Config config(String name, ModelBundle bundle, int size, int batch,
      Function<FeatureExtractor, FeatureExtractor> wrap) {
    FeatureExtractor extractor = wrap.apply(bundle.extractor(size));
    return new Config(name, bundle, ModelCeiling.prepare(extractor,
        bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP), new SyntheticImages(640, 480, 42), batch,
        System::nanoTime));
  }

  /** The extractor with {@link LinearProbe#label} run on each result's upsampled map (inside the timed call). */
  private static FeatureExtractor javaLabels(FeatureExtractor base, LinearProbe probe) {
    return new FeatureExtractor() {
      @Override
      public int inputSize() {
        return base.inputSize();
      }

      @Override
      public List<FeatureResult> run(List<PreprocessedImage> batch) {
        return labelled(base.run(batch));
      }

      @Override
      public List<FeatureResult> run(List<PreprocessedImage> batch, FeatureUpsampler upsampler) {
        return labelled(base.run(batch, upsampler));
      }

      private List<FeatureResult> labelled(List<FeatureResult> results) {
        List<FeatureResult> out = new ArrayList<>();
        for (FeatureResult r : results) {
          out.add(new FeatureResult(r.patchFeatures(), r.cls(), r.upsampled(), r.dense(),
              probe.label(r.upsampled(), false)));
        }
        return out;
      }
    };
  }

  private static PreprocessedImage input(ModelBundle bundle, int size) {
    return bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP)
        .apply(new SyntheticImages(640, 480, 42).decoded(0));
  }

  private static LinearProbe randomProbe(int classes, int channels) {
    Random r = new Random(19);
    float[] w = new float[classes * channels];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() / Math.sqrt(channels));
    }
    float[] b = new float[classes];
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      b[k] = (float) (0.1 * r.nextGaussian());
      names.add("class" + k);
    }
    return new LinearProbe("bench", "1", names, channels, w, b);
  }
}
