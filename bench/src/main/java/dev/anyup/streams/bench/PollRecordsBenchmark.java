package dev.anyup.streams.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The throughput cost of the app's {@code max.poll.records: 1} (chosen so that a busy stream thread answers a
 * rebalance after one image, issue 10) against Kafka's consumer default of 500, side by side in one run: the same
 * burst of images through the full pipeline ({@link PipelineRun}: the app's production startup path on the local
 * broker and registry, default stand-in bundle at 224, the app's batch defaults), alternating 1 / 500 for
 * {@code --repeats} rounds (after {@code --warm-up-rounds} not counted) so that a busy machine penalises both alike.
 * Prints a table; no assertions.
 */
@Command(name = "poll-records", mixinStandardHelpOptions = true,
    description = "Pipeline throughput with consumer max.poll.records 1 (the app's default) vs 500 (Kafka's).")
final class PollRecordsBenchmark implements Callable<Integer> {

  @Option(names = "--images", defaultValue = "64", description = "Images per burst (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--repeats", defaultValue = "3", description = "Rounds of 1 / 500 (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--warm-up-rounds", defaultValue = "1",
      description = "Rounds run first and not counted: a fresh JVM's first pipelines run slower whatever the setting "
          + "(default: ${DEFAULT-VALUE}).")
  int warmUpRounds;

  @Option(names = "--values", split = ",", defaultValue = "1,500",
      description = "max.poll.records values to compare (default: ${DEFAULT-VALUE}).")
  List<Integer> values;

  @Option(names = "--work-dir", defaultValue = "bench/target/poll-records",
      description = "Scratch folder for the broker and registry (default: ${DEFAULT-VALUE}).")
  Path workDir;

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-bench.xml");
    }
    System.exit(new CommandLine(new PollRecordsBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (images < 8 || repeats < 1 || warmUpRounds < 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--images must be at least 8, --repeats at "
          + "least 1 and --warm-up-rounds not negative but were " + images + ", " + repeats + " and " + warmUpRounds);
    }
    Files.createDirectories(workDir);
    Workload w = new Workload("default-224", "default", BundleSource.extractDefault(workDir.resolve("graphs")), 224);
    SyntheticImages frames = new SyntheticImages(640, 480, 42);
    // the encoder/upsampler split only labels stage shares, which this benchmark does not print
    GraphTimer.Split split = new GraphTimer.Split(1, 1);
    List<List<Double>> perValue = new ArrayList<>();
    List<List<Double>> p50 = new ArrayList<>();
    values.forEach(v -> {
      perValue.add(new ArrayList<>());
      p50.add(new ArrayList<>());
    });
    try (PipelineRun.Stack stack = PipelineRun.Stack.start(workDir.resolve("stack"))) {
      // one PipelineRun per value: each numbers its runs, and the topic names carry the value and the number
      List<PipelineRun> runs = new ArrayList<>();
      for (int v : values) {
        runs.add(new PipelineRun(stack, frames, split, List.of("consumer.max.poll.records=" + v)));
      }
      for (int r = 1 - warmUpRounds; r <= repeats; r++) {
        for (int i = 0; i < values.size(); i++) {
          int v = values.get(i);
          PipelineBenchmark.log("round %d of %d%s: burst of %d, max.poll.records %d", r, repeats,
              r < 1 ? " (warm-up, not counted)" : "", images, v);
          PipelineRun run = runs.get(i);
          // batch and wait are the app's defaults (8, 0 ms); the ceiling only sizes the warm-up (8 images)
          ResultTable.Row row = run.burst(w, "max.poll.records " + v, 8, 0, 0, images, 1.0);
          if (r >= 1) {
            perValue.get(i).add(row.imagesPerSecond());
            p50.get(i).add(row.latencyMs().p50());
          }
          PipelineBenchmark.log("  %.2f images/s, latency p50 %.0f ms, observed batch %.2f", row.imagesPerSecond(),
              row.latencyMs().p50(), row.observedBatch());
        }
      }
    }
    Runtime rt = Runtime.getRuntime();
    System.out.printf(Locale.ROOT, "%nanyup-streams poll-records: %d cores, max heap %d MiB, %s %s; burst of %d images "
        + "(640x480 JPEG, model 224, default bundle), %d rounds after %d not counted%n", rt.availableProcessors(),
        rt.maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"), images, repeats,
        warmUpRounds);
    System.out.println("| max.poll.records | images/s per round | mean images/s | latency p50 ms per round |");
    System.out.println("|---:|---|---:|---|");
    for (int i = 0; i < values.size(); i++) {
      System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %s |%n", values.get(i), join(perValue.get(i), "%.2f"),
          mean(perValue.get(i)), join(p50.get(i), "%.0f"));
    }
    for (int i = 1; i < values.size(); i++) {
      System.out.printf(Locale.ROOT, "mean throughput, %d vs %d: %.3f%n", values.get(0), values.get(i),
          mean(perValue.get(0)) / mean(perValue.get(i)));
    }
    return 0;
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static String join(List<Double> xs, String format) {
    List<String> s = new ArrayList<>();
    xs.forEach(x -> s.add(String.format(Locale.ROOT, format, x)));
    return String.join(", ", s);
  }
}
