package dev.anyup.streams.bench;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureResult;
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
 *     [default|BUNDLE_DIR] [--size 224] [--batch 1] [--seconds 6] [--classes 27] [--device cpu]
 * </pre>
 * A real-structure bundle (ViT-S/14 + AnyUp): {@code python3 -m anyup_export.bench_models DIR} in models/export.
 */
public final class ProbeHeadBenchmark {

  private ProbeHeadBenchmark() {}

  /** One configuration's result. */
  record Row(String name, ModelCeiling.Result result) {}

  public static void main(String[] args) throws Exception {
    String bundle = "default";
    int size = 224;
    int batch = 1;
    int seconds = 6;
    int classes = 27;
    String device = "cpu";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
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
    System.setProperty("ai.djl.offline", "true");
    int channels;
    try (ModelBundle probeSize = open(bundle, InferenceOptions.builder().device(device).build())) {
      channels = probeSize.extractor(size).run(List.of(input(probeSize, size))).get(0).upsampled().channels();
    }
    LinearProbe probe = randomProbe(classes, channels);
    System.out.printf("probe head benchmark: bundle %s, %d px, batch %d, %d classes x %d channels, %s, >= %d s each, "
        + "%d cpus%n", bundle, size, batch, classes, channels, device, seconds,
        Runtime.getRuntime().availableProcessors());
    Duration time = Duration.ofSeconds(seconds);
    InferenceOptions.Builder base = InferenceOptions.builder().device(device);
    List<Row> rows = new ArrayList<>();
    rows.add(measure("features (no probe)", open(bundle, base.build()), size, batch, time, Function.identity()));
    rows.add(measure("labels in graph", open(bundle, InferenceOptions.builder().device(device).probe(probe, false)
        .outputHead(new OutputHead(DType.FLOAT32, null, false)).build()), size, batch, time, Function.identity()));
    rows.add(measure("labels + map in graph", open(bundle, InferenceOptions.builder().device(device)
        .probe(probe, false).build()), size, batch, time, Function.identity()));
    rows.add(measure("labels in Java", open(bundle, base.build()), size, batch, time,
        x -> javaLabels(x, probe)));
    double reference = rows.get(0).result().imagesPerSecond();
    System.out.printf("%-24s %12s %10s %10s %14s%n", "configuration", "images/s", "p50 ms", "p95 ms",
        "vs features");
    for (Row r : rows) {
      System.out.printf("%-24s %12.2f %10.1f %10.1f %13.2fx%n", r.name(), r.result().imagesPerSecond(),
          r.result().callMs().p50(), r.result().callMs().p95(), r.result().imagesPerSecond() / reference);
    }
  }

  private static ModelBundle open(String bundle, InferenceOptions options) {
    return bundle.equals("default") ? ModelBundle.loadDefault(options) : ModelBundle.load(Path.of(bundle), options);
  }

  private static Row measure(String name, ModelBundle bundle, int size, int batch, Duration time,
      Function<FeatureExtractor, FeatureExtractor> wrap) {
    try (bundle) {
      FeatureExtractor extractor = wrap.apply(bundle.extractor(size));
      ModelCeiling ceiling = ModelCeiling.prepare(extractor,
          bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP), new SyntheticImages(640, 480, 42), batch,
          System::nanoTime);
      ModelCeiling.Result r = ceiling.measure(batch, time, 3);
      System.out.printf("  %s: %d calls%n", name, r.calls());
      return new Row(name, r);
    }
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
        List<FeatureResult> out = new ArrayList<>();
        for (FeatureResult r : base.run(batch)) {
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
