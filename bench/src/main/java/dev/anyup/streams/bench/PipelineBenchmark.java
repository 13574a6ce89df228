package dev.anyup.streams.bench;

import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ResizeMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end benchmark: for each workload, in one run on one machine, (1) the model-only ceiling (
 * {@link FeatureExtractor#run} on pre-decoded, pre-normalised inputs, batch 1 and the configured batch), (2) the full
 * pipeline against a real local broker and registry on a burst of N images, batched, (3) the same with batch 1, and
 * (4) a light load of one image every 500 ms. Prints one table. A program that prints numbers, never a test.
 *
 * <p>Run: {@code MAVEN_OPTS=-Xmx10g mvn -B -q -pl bench exec:java -Dexec.args="--images 24"} (after
 * {@code mvn -B -q -DskipTests install}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "End-to-end pipeline throughput and latency against the model-only ceiling.")
public final class PipelineBenchmark implements Callable<Integer> {

  static final String DEFAULT_224 = "default-224";
  static final String DEFAULT_448 = "default-448";
  static final String VITS14_ANYUP_224 = "vits14-anyup-224";
  static final String NULL_F16 = "null-f16";
  static final String NULL_PCA16 = "null-pca16";
  static final String NULL_INT8 = "null-int8";
  static final String RUN_BATCHED = "batched";
  static final String RUN_BATCH1 = "batch1";
  static final String RUN_LIGHT = "light";

  @Option(names = "--smoke", description = "Tiny run: default bundle at 224, a few images, short ceilings.")
  boolean smoke;

  @Option(names = "--workloads", split = ",", description = "Workloads to run (default: ${DEFAULT-VALUE}).",
      defaultValue = DEFAULT_224 + "," + DEFAULT_448 + "," + VITS14_ANYUP_224)
  List<String> workloads;

  @Option(names = "--bundle", description = "Also run a bundle folder as a workload, DIR or DIR@SIZE (repeatable; "
      + "e.g. a real DINOv2 + AnyUp export). Runs like the heavy workload (--heavy-images).")
  List<String> bundles = new ArrayList<>();

  @Option(names = "--runs", split = ",", description = "Pipeline runs per workload, of batched, batch1, light "
      + "(default: ${DEFAULT-VALUE}).", defaultValue = RUN_BATCHED + "," + RUN_BATCH1 + "," + RUN_LIGHT)
  List<String> runs;

  @Option(names = "--concurrent-ceiling", description = "Also measure the model-only ceiling with CALLERS concurrent "
      + "batch-1 callers on a bundle loaded with THREADS ONNX Runtime threads each and spinning off, CALLERS:THREADS; "
      + "'auto' (the default) = the app's automatic CPU budget on this machine (2:1 on 2 cores), 'none' = skip. The "
      + "batch-1 pipeline is judged against the better of this and the one-caller ceiling.", defaultValue = "auto")
  String concurrentCeiling;

  @Option(names = "--images", description = "Images per burst run (default: ${DEFAULT-VALUE}).", defaultValue = "32")
  int images;

  @Option(names = "--heavy-images", description = "Images per burst run of the ViT-S/14 + AnyUp-sized workload "
      + "(default: ${DEFAULT-VALUE}).", defaultValue = "16")
  int heavyImages;

  @Option(names = "--light-images", description = "Images in the light-load run (default: ${DEFAULT-VALUE}).",
      defaultValue = "20")
  int lightImages;

  @Option(names = "--light-interval-ms", description = "Gap between light-load images (default: ${DEFAULT-VALUE}).",
      defaultValue = "500")
  long lightIntervalMs;

  @Option(names = "--batch-size", description = "batch.max.size of the batched run (default: ${DEFAULT-VALUE}).",
      defaultValue = "8")
  int batchSize;

  @Option(names = "--batch-wait-ms", description = "batch.max.wait.ms (default: ${DEFAULT-VALUE}, the app's).",
      defaultValue = "0")
  int batchWaitMs;

  @Option(names = "--stream-threads", description = "streams.num.stream.threads of the batched run; 0 = the app's "
      + "default (default: ${DEFAULT-VALUE}).", defaultValue = "0")
  int streamThreads;

  @Option(names = "--ceiling-seconds", description = "Minimum seconds per ceiling measurement (default: "
      + "${DEFAULT-VALUE}).", defaultValue = "8")
  int ceilingSeconds;

  @Option(names = "--batch1-first", description = "Run the batch-1 pipeline before the batched one (checks order "
      + "effects).")
  boolean batch1First;

  @Option(names = "--ceiling-only", description = "Measure only the model-only ceilings (no broker).")
  boolean ceilingOnly;

  @Option(names = "--console-compare", description = "Per workload, only the batched burst, N pairs of runs without "
      + "and with the web console on (similar-image search too) and a browser-like poller on its API, in ABBA order "
      + "(off-on, on-off, ...: a drift along the run cancels), side by side in one table with the on/off ratios and "
      + "the off runs' own spread (issue 11: the console must not slow the pipeline); 0 = off (default: "
      + "${DEFAULT-VALUE}).", defaultValue = "0")
  int consoleCompare;

  @Option(names = "--console-clicks-every", description = "Seconds between the poller's click-to-segment + similar-image "
      + "query (a person at the page; 1 = a stress test) (default: ${DEFAULT-VALUE}).", defaultValue = "10")
  int consoleClickSeconds;

  @Option(names = "--set", description = "Extra app configuration for every pipeline run, KEY=VALUE (repeatable), "
      + "e.g. output.projection=pca8.")
  List<String> extraConfig = new ArrayList<>();

  /** One summary line per workload of a {@code --console-compare} run. */
  private final List<String> consoleSummaries = new ArrayList<>();

  @Option(names = "--work-dir", description = "Scratch folder (built models, broker and registry data; default: "
      + "${DEFAULT-VALUE}).", defaultValue = "target/bench-work")
  Path workDir;

  @Option(names = "--python", description = "Python with torch + onnx (default: ${DEFAULT-VALUE}).",
      defaultValue = "/usr/bin/python3")
  String python;

  @Option(names = "--out", description = "Also write the table (and run settings) to this file.")
  Path out;

  public static void main(String[] args) {
    // the app's logback.xml logs INFO to stdout, where the table goes; the benchmark's logs WARN to stderr
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-bench.xml");
    }
    int code = new CommandLine(new PipelineBenchmark()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    if (smoke) {
      workloads = List.of(DEFAULT_224);
      images = Math.min(images, 4);
      lightImages = Math.min(lightImages, 3);
      ceilingSeconds = Math.min(ceilingSeconds, 1);
      batchSize = Math.min(batchSize, 2);
    }
    Files.createDirectories(workDir);
    ResultTable table = run();
    String settings = settings();
    System.out.println();
    System.out.println(settings);
    table.print(System.out);
    List<String> verdicts = new ArrayList<>(Targets.evaluate(table.rows(), Runtime.getRuntime().availableProcessors()));
    verdicts.addAll(consoleSummaries);
    verdicts.forEach(System.out::println);
    if (out != null) {
      try (PrintStream file = new PrintStream(Files.newOutputStream(out), true, StandardCharsets.UTF_8)) {
        file.println(settings);
        table.print(file);
        verdicts.forEach(file::println);
      }
    }
    return 0;
  }

  ResultTable run() throws IOException {
    ResultTable table = new ResultTable();
    SyntheticImages frames = new SyntheticImages(640, 480, 42);
    List<Workload> resolved = new ArrayList<>();
    for (String name : workloads) {
      if (!name.isBlank()) { // --workloads '' with --bundle: only the bundle
        resolved.add(resolve(name));
      }
    }
    for (String b : bundles) {
      resolved.add(bundleWorkload(b));
    }
    for (String r : runs) {
      if (!List.of(RUN_BATCHED, RUN_BATCH1, RUN_LIGHT).contains(r)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown run '" + r + "'; known: "
            + List.of(RUN_BATCHED, RUN_BATCH1, RUN_LIGHT));
      }
    }
    try (PipelineRun.Stack stack = ceilingOnly ? null : PipelineRun.Stack.start(workDir.resolve("stack"))) {
      for (Workload w : resolved) {
        log("workload %s: model-only ceiling", w.name());
        Ceilings c = ceilings(w, frames);
        table.add(new ResultTable.Row(w.name(), "ceiling", 1, Double.NaN, c.single().imagesPerSecond(), Double.NaN,
            c.single().callMs(), 0, 0, StageShares.NONE));
        double bestSingle = c.single().imagesPerSecond();
        String callersThreads = callersThreads();
        if (callersThreads != null) {
          ModelCeiling.Result cc = concurrent(w, frames, callersThreads);
          table.add(new ResultTable.Row(w.name(), "ceiling x" + callersThreads, 1, Double.NaN, cc.imagesPerSecond(),
              Double.NaN, cc.callMs(), 0, 0, StageShares.NONE));
          bestSingle = Math.max(bestSingle, cc.imagesPerSecond());
        }
        if (c.batched() != null) {
          table.add(new ResultTable.Row(w.name(), "ceiling", batchSize, Double.NaN, c.batched().imagesPerSecond(),
              Double.NaN, c.batched().callMs(), 0, 0, StageShares.NONE));
        }
        if (stack == null) {
          continue;
        }
        PipelineRun pipeline = new PipelineRun(stack, frames, c.split(), extraConfig);
        if (smoke) {
          pipeline.singleWarmUpRound();
        }
        int images = heavy(w) ? Math.min(this.images, heavyImages) : this.images;
        if (consoleCompare > 0) {
          double ceiling = (c.batched() != null ? c.batched() : c.single()).imagesPerSecond();
          PipelineRun withConsole = new PipelineRun(stack, frames, c.split(), extraConfig, true, consoleClickSeconds);
          if (smoke) {
            withConsole.singleWarmUpRound();
          }
          double[] off = new double[consoleCompare];
          double[] on = new double[consoleCompare];
          for (int i = 0; i < consoleCompare; i++) {
            for (int half = 0; half < 2; half++) {
              boolean withIt = (half == 1) == (i % 2 == 0); // ABBA: off-on, on-off, off-on, ...
              log("workload %s: pipeline, burst of %d, batch %d, console %s (%d/%d)", w.name(), images, batchSize,
                  withIt ? "on + poller" : "off", i + 1, consoleCompare);
              ResultTable.Row row = withIt
                  ? withConsole.burst(w, "console on+polled", batchSize, batchWaitMs, streamThreads, images, ceiling)
                  : pipeline.burst(w, "console off", batchSize, batchWaitMs, streamThreads, images, ceiling);
              table.add(row);
              (withIt ? on : off)[i] = row.imagesPerSecond();
            }
          }
          consoleSummaries.add(ConsoleComparison.summary(w.name(), off, on));
          continue;
        }
        for (int order = 0; order < 2; order++) {
          if ((order == 0) != batch1First) {
            if (!runs.contains(RUN_BATCHED)) {
              continue;
            }
            log("workload %s: pipeline, burst of %d, batch %d", w.name(), images, batchSize);
            table.add(pipeline.burst(w, "pipeline batched", batchSize, batchWaitMs, streamThreads, images,
                c.batched().imagesPerSecond()));
          } else {
            if (!runs.contains(RUN_BATCH1)) {
              continue;
            }
            log("workload %s: pipeline, burst of %d, batch 1", w.name(), images);
            table.add(pipeline.burst(w, "pipeline batch 1", 1, 0, streamThreads, images, bestSingle));
          }
        }
        if (!runs.contains(RUN_LIGHT)) {
          continue;
        }
        log("workload %s: light load, %d images every %d ms", w.name(), lightImages, lightIntervalMs);
        table.add(pipeline.light(w, "light " + lightIntervalMs + "ms", batchSize, batchWaitMs, streamThreads,
            lightImages, Duration.ofMillis(lightIntervalMs), c.single().imagesPerSecond()));
        double modelMs = c.single().callMs().p50();
        if (modelMs > lightIntervalMs) {
          // one image per 500 ms is an overload when one image takes longer than that; also measure a load that is
          // light for this model: one image every two single-image model times
          long interval = (long) Math.ceil(2 * modelMs / 100.0) * 100;
          int count = Math.max(3, lightImages / 2);
          log("workload %s: light load, %d images every %d ms (2 x model time)", w.name(), count, interval);
          table.add(pipeline.light(w, "light " + interval + "ms", batchSize, batchWaitMs, streamThreads, count,
              Duration.ofMillis(interval), c.single().imagesPerSecond()));
        }
      }
    }
    return table;
  }

  /** Ceilings at batch 1 and the configured batch (null when no batched run needs it), and the encoder/upsampler split. */
  record Ceilings(ModelCeiling.Result single, ModelCeiling.Result batched, GraphTimer.Split split) {}

  private Ceilings ceilings(Workload w, SyntheticImages frames) {
    // the same options AnyupApp.loadBundle derives from the default model.* settings: cpu, onnx upsampler, runtime threads
    InferenceOptions options = InferenceOptions.builder().device("cpu").upsampler("onnx").build();
    ModelCeiling.Result single;
    ModelCeiling.Result batched;
    try (ModelBundle bundle = load(w, options)) {
      ModelCeiling ceiling = prepare(bundle, w, frames, batchSize);
      Duration time = Duration.ofSeconds(ceilingSeconds);
      single = ceiling.measure(1, time, 3);
      // the batched ceiling only where a batched run is compared with it (at batch 8 a real pair takes ~10 s a call)
      batched = ceilingOnly || runs.contains(RUN_BATCHED) ? ceiling.measure(batchSize, time, 2) : null;
    }
    GraphTimer.Split split = GraphTimer.time(w.graphsDir(), w.inputSize(), smoke ? 1 : 3);
    log("  ceiling b1 %.2f img/s (p50 %.0f ms), b%d %.2f img/s; encoder %.0f ms + upsampler %.0f ms", single
        .imagesPerSecond(), single.callMs().p50(), batchSize, batched == null ? Double.NaN
        : batched.imagesPerSecond(), split.encoderMs(), split.upsamplerMs());
    return new Ceilings(single, batched, split);
  }

  private Workload resolve(String name) {
    switch (name) {
      case DEFAULT_224:
      case DEFAULT_448: {
        Path graphs = BundleSource.extractDefault(workDir.resolve("default-bundle-graphs"));
        return new Workload(name, "default", graphs, name.equals(DEFAULT_224) ? 224 : 448);
      }
      case VITS14_ANYUP_224: {
        log("building the ViT-S/14 + AnyUp-structure bundle with %s (cached in %s)", python, workDir);
        Path dir = BundleSource.buildBenchModels(BundleSource.repoRoot(), python,
            workDir.resolve("bench-vits14-anyup").toAbsolutePath(), false);
        return new Workload(name, dir.toString(), dir, 224);
      }
      case NULL_F16:
      case NULL_PCA16:
      case NULL_INT8: {
        Path dir = BundleSource.buildNullModels(BundleSource.repoRoot(), python,
            workDir.resolve("bench-null").toAbsolutePath());
        Map<String, String> output = name.equals(NULL_INT8) ? Map.of("output.dense.dtype", "INT8")
            : name.equals(NULL_PCA16) ? Map.of("output.dense.dtype", "FLOAT16", "output.projection", "pca16")
            : Map.of("output.dense.dtype", "FLOAT16");
        return new Workload(name, dir.toString(), dir, 224, output);
      }
      default:
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown workload '" + name + "'; known: "
            + List.of(DEFAULT_224, DEFAULT_448, VITS14_ANYUP_224, NULL_F16, NULL_PCA16, NULL_INT8));
    }
  }

  /** CALLERS:THREADS of the concurrent ceiling, or null for none (one core, or 'none'). */
  private String callersThreads() {
    if (concurrentCeiling.equals("none")) {
      return null;
    }
    if (!concurrentCeiling.equals("auto")) {
      return concurrentCeiling;
    }
    var budget = dev.anyup.streams.topology.AppConfig.defaults("b:1", "mock://x").cpuBudget();
    return budget.workers() > 1 ? budget.workers() + ":" + budget.threads() : null;
  }

  private static ModelBundle load(Workload w, InferenceOptions options) {
    return w.bundle().equals("default") ? ModelBundle.loadDefault(options)
        : ModelBundle.load(Path.of(w.bundle()), options);
  }

  /** The model-only ceiling of {@code w} on {@code bundle}, with {@code inputs} pre-processed frames. */
  private static ModelCeiling prepare(ModelBundle bundle, Workload w, SyntheticImages frames, int inputs) {
    return ModelCeiling.prepare(bundle.extractor(w.inputSize()),
        bundle.preprocessor(w.inputSize(), ResizeMode.SHORTER_SIDE_CENTER_CROP), frames, inputs, System::nanoTime);
  }

  private ModelCeiling.Result concurrent(Workload w, SyntheticImages frames, String callersThreads) {
    String[] parts = callersThreads.split(":");
    int callers = Integer.parseInt(parts[0]);
    int threads = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    InferenceOptions options = InferenceOptions.builder().device("cpu").upsampler("onnx").intraOpThreads(threads)
        .spinning(false).predictors(callers).build();
    try (ModelBundle bundle = load(w, options)) {
      ModelCeiling ceiling = prepare(bundle, w, frames, Math.max(batchSize, callers));
      ModelCeiling.Result r = ceiling.measureConcurrent(callers, Duration.ofSeconds(ceilingSeconds));
      log("  ceiling %s (callers:threads) %.2f img/s", callersThreads, r.imagesPerSecond());
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@code DIR} or {@code DIR@SIZE}: a bundle folder at one of its profiles (default: the first). */
  private Workload bundleWorkload(String spec) throws IOException {
    int at = spec.lastIndexOf('@');
    Path dir = Path.of(at < 0 ? spec : spec.substring(0, at)).toAbsolutePath();
    int size;
    if (at >= 0) {
      size = Integer.parseInt(spec.substring(at + 1));
    } else {
      var manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
      size = manifest.path("encoder").path("profiles").path(0).path("input_size").asInt(224);
    }
    return new Workload("bundle-" + dir.getFileName() + "-" + size, dir.toString(), dir, size);
  }

  private static boolean heavy(Workload w) {
    return w.name().equals(VITS14_ANYUP_224) || w.name().startsWith("bundle-");
  }

  private String settings() {
    Runtime rt = Runtime.getRuntime();
    return String.format(Locale.ROOT,
        "anyup-streams bench: %d cores, max heap %d MiB, %s %s; images=%d (vits14: %d) light=%dx%dms batch=%d wait=%dms "
            + "stream-threads=%s ceiling>=%ds extra=%s console-compare=%d",
        rt.availableProcessors(), rt.maxMemory() >> 20, System.getProperty("java.vm.name"),
        System.getProperty("java.version"), images, Math.min(images, heavyImages), lightImages, lightIntervalMs, batchSize, batchWaitMs,
        streamThreads == 0 ? "app default" : Integer.toString(streamThreads), ceilingSeconds, extraConfig,
        consoleCompare);
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[bench] " + format + "%n", args);
  }
}
