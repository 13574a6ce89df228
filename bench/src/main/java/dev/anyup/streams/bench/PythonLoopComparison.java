package dev.anyup.streams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ResizeMode;
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
 * Issue 13's comparison with a plain Python loop, rerun with the bench's method on one bundle: for each side the
 * model-only time of one image (batch 1, pre-decoded and pre-normalised inputs, median over timed calls after a
 * warm-up) and the pipeline throughput (N JPEGs published at once to a running consumer, read back by a separate
 * {@code read_committed} consumer: N / (last output append time - first input timestamp)). The Python side is
 * {@code bench/python/loop.py} (upstream DINOv2 + AnyUp in PyTorch with the bundle's seed-0 weights, confluent-kafka,
 * at-least-once, dense FLOAT16 bytes only); the app side is {@link PipelineRun#burst} at batch 1, default threads and
 * exactly-once, on the same local broker. Prints one table and the two advantages the issue compares.
 *
 * <p>Run (from the repository root; see bench/python/README.md): {@code mvn -B -q -o package
 * dependency:copy-dependencies -DincludeScope=runtime -DskipTests -pl bench -am}, then {@code java -Xmx4g
 * -cp 'bench/target/classes:bench/target/dependency/*' dev.anyup.streams.bench.PythonLoopComparison --images 16}.
 */
@Command(name = "python-loop-comparison", mixinStandardHelpOptions = true,
    description = "The app vs a plain Python loop (PyTorch + confluent-kafka) on the same bundle, same method.")
public final class PythonLoopComparison implements Callable<Integer> {

  @Option(names = "--bundle", description = "Exported DINOv2 ViT-S/14 + AnyUp bundle (seed 0; default: "
      + "${DEFAULT-VALUE}).", defaultValue = "/tmp/real2/dinov2-s14-anyup")
  Path bundle;

  @Option(names = "--size", description = "Input size / profile (default: ${DEFAULT-VALUE}).", defaultValue = "224")
  int size;

  @Option(names = "--images", description = "Images per pipeline burst (default: ${DEFAULT-VALUE}).",
      defaultValue = "16")
  int images;

  @Option(names = "--model-calls", description = "Timed model-only calls per side after one warm-up call (default: "
      + "${DEFAULT-VALUE}).", defaultValue = "5")
  int modelCalls;

  @Option(names = "--ceiling-seconds", description = "Minimum seconds of the app's model-only measurement (default: "
      + "${DEFAULT-VALUE}).", defaultValue = "8")
  int ceilingSeconds;

  @Option(names = "--stream-threads", description = "The app's streams.num.stream.threads; 0 = its default "
      + "(default: ${DEFAULT-VALUE}).", defaultValue = "0")
  int streamThreads;

  @Option(names = "--set", description = "Extra app configuration, KEY=VALUE (repeatable).")
  List<String> extraConfig = new ArrayList<>();

  @Option(names = "--python", description = "Python with torch, PIL and confluent_kafka (default: ${DEFAULT-VALUE}).",
      defaultValue = "/usr/bin/python3")
  String python;

  @Option(names = "--dinov2-source", description = "Local clone of facebookresearch/dinov2 (default: "
      + "${DEFAULT-VALUE}).", defaultValue = "/work/ref/facebookresearch+dinov2")
  String dinov2Source;

  @Option(names = "--anyup-source", description = "Local clone of wimmerth/anyup (default: ${DEFAULT-VALUE}).",
      defaultValue = "/work/ref/wimmerth+anyup")
  String anyupSource;

  @Option(names = "--seed", description = "The bundle's export seed (default: ${DEFAULT-VALUE}).", defaultValue = "0")
  int seed;

  @Option(names = "--torch-threads", description = "Python loop's torch intra-op threads; 0 = the core count "
      + "(default: ${DEFAULT-VALUE}).", defaultValue = "0")
  int torchThreads;

  @Option(names = "--formulation", description = "Python loop's AnyUp forward: upstream (the baseline) or windowed "
      + "(the export tool's formulation, in PyTorch) (default: ${DEFAULT-VALUE}).", defaultValue = "upstream")
  String formulation;

  @Option(names = "--skip-app", description = "Only the Python loop (e.g. to check the setup).")
  boolean skipApp;

  @Option(names = "--skip-python", description = "Only the app.")
  boolean skipPython;

  @Option(names = "--no-parity", description = "Skip comparing the two pipelines' dense outputs for img-0.")
  boolean noParity;

  @Option(names = "--work-dir", description = "Scratch folder (broker, registry, loop logs; default: "
      + "${DEFAULT-VALUE}).", defaultValue = "target/pyloop-work")
  Path workDir;

  @Option(names = "--out", description = "Also write the table to this file.")
  Path out;

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-bench.xml");
    }
    System.exit(new CommandLine(new PythonLoopComparison()).execute(args));
  }

  /** One side's three numbers (NaN where not measured). */
  record Side(String name, double modelMedianMs, double modelMeanMs, int modelCalls, double pipelineImagesPerSecond,
      Percentiles latencyMs, String notes) {

    /** Pipeline throughput over model-only throughput (1.0: the pipeline costs nothing on top of the model). */
    double ratio() {
      return pipelineImagesPerSecond * modelMedianMs / 1000.0;
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    Files.createDirectories(workDir);
    workDir = workDir.toAbsolutePath();
    bundle = bundle.toAbsolutePath();
    Path repoRoot = BundleSource.repoRoot();
    SyntheticImages frames = new SyntheticImages(640, 480, 42);
    List<String> loopArgs = loopArgs();

    // model-only first, on a quiet machine (no broker yet)
    JsonNode py = skipPython ? null : pythonModelOnly(repoRoot, loopArgs);
    ModelCeiling.Result app = skipApp ? null : appModelOnly(frames);
    GraphTimer.Split split = skipApp ? new GraphTimer.Split(1, 1) : GraphTimer.time(bundle, size, 3);

    ResultTable.Row appRow = null;
    ThreadCpu.PerImage appCpu = null;
    PythonLoopRun.Result pyRun = null;
    DenseParity.Diff parity = null;
    try (PipelineRun.Stack stack = PipelineRun.Stack.start(workDir.resolve("stack"))) {
      PipelineRun pipeline = new PipelineRun(stack, frames, split, extraConfig);
      if (!skipApp) {
        Workload w = new Workload("bundle-" + bundle.getFileName() + "-" + size, bundle.toString(), bundle, size);
        PipelineBenchmark.log("app: pipeline, burst of %d, batch 1", images);
        appRow = pipeline.burst(w, "pipeline batch 1", 1, 0, streamThreads, images, app.imagesPerSecond());
        appCpu = pipeline.lastCpu();
      }
      if (!skipPython) {
        PipelineBenchmark.log("python loop: pipeline, burst of %d", images);
        pyRun = new PythonLoopRun(stack, pipeline, frames, python, repoRoot, workDir, loopArgs)
            .burst(images, 1000.0 / py.path("median_ms").asDouble());
      }
      if (appRow != null && pyRun != null && !noParity) {
        parity = DenseParity.compare(stack, DenseParity.appDenseTopic(stack), pyRun.outputTopic(), "img-0");
        PipelineBenchmark.log("  dense outputs of img-0: %s", parity);
      }
    }

    List<Side> sides = new ArrayList<>();
    if (py != null) {
      sides.add(new Side("plain Python loop", py.path("median_ms").asDouble(), py.path("mean_ms").asDouble(),
          py.path("calls").asInt(), pyRun.imagesPerSecond(), pyRun.latencyMs(), String.format(Locale.ROOT,
          "torch %d threads, AnyUp %s; at-least-once; %.1f MB per output; loop stages ms/img %s; %s",
          py.path("threads").asInt(), py.path("formulation").asText(), pyRun.outputBytes() / 1e6,
          rounded(pyRun.stageMs()), check(py))));
    }
    if (app != null) {
      sides.add(new Side("anyup-streams", app.callMs().p50(), 1000.0 / app.imagesPerSecond(), app.calls(),
          appRow.imagesPerSecond(), appRow.latencyMs(), String.format(Locale.ROOT,
          "ONNX Runtime; default threads%s; exactly-once; dense (%.1f MB Avro) + embeddings; stage ms/img "
              + "decode %.0f preprocess %.0f model %.0f encode %.0f kafka/other %.0f", streamThreads == 0 ? ""
              : ", " + streamThreads + " stream threads", appRow.denseBytes() / 1e6, appRow.stages().decode(), appRow.stages().preprocess(),
          appRow.stages().encoder() + appRow.stages().upsampler(), appRow.stages().encode(),
          appRow.stages().kafka())));
    }
    List<String> lines = table(sides, parity);
    if (pyRun != null) {
      lines.add(String.format(Locale.ROOT, "- CPU per image over the measured burst: python loop process %.0f ms (all"
          + " its threads)", pyRun.cpuMsPerImage()));
    }
    if (appCpu != null) {
      lines.add(String.format(Locale.ROOT, "- CPU per image over the measured burst: the app's model calls %.1f ms, "
              + "**the pipeline's own CPU around them %.1f ms (%.3f of the model calls')** (stream threads, decode, "
              + "preprocess, encode, Avro, the app's Kafka clients), the in-process broker + timing consumer + bench "
              + "%.1f ms (not the app's), JIT %.1f ms", appCpu.model(), appCpu.pipeline(), appCpu.ownOverModel(),
          appCpu.others(), appCpu.jit()));
    }
    lines.forEach(System.out::println);
    if (out != null) {
      try (PrintStream file = new PrintStream(Files.newOutputStream(out), true, StandardCharsets.UTF_8)) {
        lines.forEach(file::println);
      }
    }
    return 0;
  }

  private void validate() {
    CommandLine cl = new CommandLine(this);
    if (images <= 0) {
      throw new CommandLine.ParameterException(cl, "--images must be positive, was " + images);
    }
    if (modelCalls < 1) {
      throw new CommandLine.ParameterException(cl, "--model-calls must be at least 1, was " + modelCalls);
    }
    if (!List.of("upstream", "windowed").contains(formulation)) {
      throw new CommandLine.ParameterException(cl, "--formulation must be upstream or windowed, was " + formulation);
    }
    if (skipApp && skipPython) {
      throw new CommandLine.ParameterException(cl, "--skip-app and --skip-python leave nothing to run");
    }
    if (!Files.isRegularFile(bundle.resolve("manifest.json"))) {
      throw new CommandLine.ParameterException(cl, "--bundle " + bundle + " has no manifest.json");
    }
  }

  private List<String> loopArgs() {
    List<String> args = new ArrayList<>(List.of("--dinov2-source", dinov2Source, "--anyup-source", anyupSource,
        "--seed", Integer.toString(seed), "--size", Integer.toString(size), "--formulation", formulation));
    if (torchThreads > 0) {
      args.addAll(List.of("--threads", Integer.toString(torchThreads)));
    }
    return args;
  }

  private JsonNode pythonModelOnly(Path repoRoot, List<String> loopArgs) {
    PipelineBenchmark.log("python loop: model-only, %d calls after a warm-up (reference check against %s)",
        modelCalls, bundle);
    List<String> args = new ArrayList<>(List.of("model-only", "--bundle", bundle.toString(), "--calls",
        Integer.toString(modelCalls)));
    args.addAll(loopArgs);
    try (PythonLoop loop = PythonLoop.start(python, repoRoot, args, workDir.resolve("pyloop-model-only.log"))) {
      JsonNode r = loop.await("model-only", Duration.ofMinutes(10).plusSeconds(120L * modelCalls));
      PipelineBenchmark.log("  python model-only: median %.0f ms, mean %.0f ms (encoder %.0f + upsampler %.0f); %s",
          r.path("median_ms").asDouble(), r.path("mean_ms").asDouble(), r.path("encoder_median_ms").asDouble(),
          r.path("upsampler_median_ms").asDouble(), check(r));
      return r;
    }
  }

  private ModelCeiling.Result appModelOnly(SyntheticImages frames) {
    PipelineBenchmark.log("app: model-only, batch 1, >= %d calls and >= %d s", modelCalls, ceilingSeconds);
    // the options AnyupApp derives from the default model.* settings, as PipelineBenchmark's ceiling uses
    InferenceOptions options = InferenceOptions.builder().device("cpu").upsampler("onnx").build();
    try (ModelBundle b = ModelBundle.load(bundle, options)) {
      ModelCeiling ceiling = ModelCeiling.prepare(b.extractor(size),
          b.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP), frames, 1, System::nanoTime);
      ModelCeiling.Result r = ceiling.measure(1, Duration.ofSeconds(ceilingSeconds), modelCalls);
      PipelineBenchmark.log("  app model-only: median %.0f ms over %d calls", r.callMs().p50(), r.calls());
      return r;
    }
  }

  private static String check(JsonNode modelOnly) {
    JsonNode c = modelOnly.path("check");
    if (c.isMissingNode() || c.isNull()) {
      return "no reference tensors at this size";
    }
    return String.format(Locale.ROOT, "weights %s the bundle's (max |diff| patch features %.2g, upsampled %.2g, "
            + "atol %.0g)", c.path("same_weights").asBoolean() ? "match" : "DO NOT match",
        c.path("patch_features_max_abs_diff").asDouble(), c.path("upsampled_max_abs_diff").asDouble(),
        c.path("atol").asDouble());
  }

  private static String rounded(Map<String, Double> stages) {
    StringBuilder sb = new StringBuilder();
    stages.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append(' ')
        .append(String.format(Locale.ROOT, "%.0f", v)));
    return sb.toString();
  }

  private List<String> table(List<Side> sides, DenseParity.Diff parity) {
    List<String> lines = new ArrayList<>();
    Runtime rt = Runtime.getRuntime();
    lines.add(String.format(Locale.ROOT, "python loop comparison: bundle %s at %d, %d images per burst, "
            + "model-only >= %d calls (batch 1), %d cores", bundle, size, images, modelCalls,
        rt.availableProcessors()));
    lines.add("");
    lines.add("| | model only, batch 1: median (mean) ms/img | pipeline images/s | pipeline ms/img "
        + "| pipeline ÷ model (throughput) | latency p50 / max ms |");
    lines.add("|---|---:|---:|---:|---:|---:|");
    for (Side s : sides) {
      lines.add(String.format(Locale.ROOT, "| %s | %.0f (%.0f) | %.3f | %.0f | %.2f | %.0f / %.0f |", s.name(),
          s.modelMedianMs(), s.modelMeanMs(), s.pipelineImagesPerSecond(), 1000.0 / s.pipelineImagesPerSecond(),
          s.ratio(), s.latencyMs().p50(), s.latencyMs().max()));
    }
    lines.add("");
    for (Side s : sides) {
      lines.add("- " + s.name() + ": " + s.notes());
    }
    if (parity != null) {
      lines.add(String.format(Locale.ROOT, "- same job: dense outputs of %s, app vs python loop: max |diff| %.3g, mean "
          + "|diff| %.3g over %d values (values up to %.3g)", parity.key(), parity.maxAbsDiff(), parity.meanAbsDiff(),
          parity.elements(), parity.maxAbsValue()));
    }
    if (sides.size() == 2) {
      Side py = sides.get(0);
      Side app = sides.get(1);
      double endToEnd = app.pipelineImagesPerSecond() / py.pipelineImagesPerSecond();
      double modelLevel = py.modelMedianMs() / app.modelMedianMs();
      lines.add(String.format(Locale.ROOT, "- the app's advantage end to end %.2fx (app images/s ÷ python images/s) "
          + "vs model level %.2fx (python model ms ÷ app model ms): %s", endToEnd, modelLevel,
          endToEnd >= modelLevel ? "end to end >= model level (issue 13 target met)"
              : "end to end < model level (issue 13 target not met)"));
    }
    return lines;
  }
}
