package dev.anyup.streams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyup.streams.avro.ImageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The plain Python loop's pipeline run, measured exactly like {@link PipelineRun#burst} measures the app: own topics
 * (outputs with {@code LogAppendTime}), the loop started and waited for until its partitions are assigned (startup
 * excluded), the same warm-up rule, then N JPEG {@link ImageEvent}s published at once and every output timed by a
 * separate {@code read_committed} consumer: images/s = N / (last output append time - first input timestamp).
 */
final class PythonLoopRun {
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

  /**
   * @param imagesPerSecond N / (last output append - first input timestamp)
   * @param latencyMs input timestamp to output append time, per image
   * @param stageMs mean ms per image of each stage the loop reports (decode, preprocess, model, fp16, produce, commit)
   * @param outputBytes mean value bytes of an output record
   * @param outputTopic where the loop's outputs are (keys {@code img-0} ...)
   * @param cpuMsPerImage the loop process's CPU time over the measured burst, per image (all its threads: model,
   *     decode, Kafka client)
   */
  record Result(int images, double imagesPerSecond, Percentiles latencyMs, Map<String, Double> stageMs,
      double outputBytes, String outputTopic, double cpuMsPerImage) {}

  private final PipelineRun.Stack stack;
  private final PipelineRun topics;
  private final SyntheticImages frames;
  private final String python;
  private final Path repoRoot;
  private final Path workDir;
  private final List<String> loopArgs;
  private int runs;

  PythonLoopRun(PipelineRun.Stack stack, PipelineRun topics, SyntheticImages frames, String python, Path repoRoot,
      Path workDir, List<String> loopArgs) {
    this.stack = stack;
    this.topics = topics;
    this.frames = frames;
    this.python = python;
    this.repoRoot = repoRoot;
    this.workDir = workDir;
    this.loopArgs = List.copyOf(loopArgs);
  }

  Result burst(int images, double modelImagesPerSecond) {
    if (images <= 0) {
      throw new IllegalArgumentException("images must be positive, was " + images);
    }
    String id = String.format(Locale.ROOT, "pyloop-%d-%d", ++runs, System.currentTimeMillis());
    String input = id + ".images";
    String output = id + ".dense";
    int partitions = 3; // as PipelineRun's minimum; the loop is one consumer, so partition count only orders records
    topics.createTopics(List.of(new NewTopic(input, partitions, (short) 1),
        new NewTopic(output, partitions, (short) 1).configs(Map.of(
            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime",
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(stack.kafka().maxMessageBytes())))));
    List<String> args = new ArrayList<>(List.of("pipeline", "--bootstrap", stack.kafka().bootstrapServers(),
        "--input", input, "--output", output, "--group", id, "--max-message-bytes",
        Integer.toString(stack.kafka().maxMessageBytes())));
    args.addAll(loopArgs);
    // the same warm-up rule as PipelineRun at batch 1: ~4 s of model-only work, at least 4 images, at most 48
    int warmUp = (int) Math.max(4, Math.min(48, Math.ceil(modelImagesPerSecond * 4)));
    try (PythonLoop loop = PythonLoop.start(python, repoRoot, args, workDir.resolve(id + ".log"));
        KafkaProducer<String, ImageEvent> producer = PipelineRun.imageProducer(stack);
        KafkaConsumer<String, byte[]> consumer = PipelineRun.committedReader(stack, id)) {
      loop.await("ready", READY_TIMEOUT);
      List<TopicPartition> outs = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        outs.add(new TopicPartition(output, p));
      }
      consumer.assign(outs);
      consumer.seekToBeginning(outs);
      consumer.poll(Duration.ZERO);

      Map<String, Long> warmSent = new HashMap<>();
      for (int i = 0; i < warmUp; i++) {
        PipelineRun.send(producer, input, id, "warm-" + i, frames.jpeg(i % images), warmSent);
      }
      producer.flush();
      collect(consumer, "warm-", warmUp, timeout(warmUp, modelImagesPerSecond), id + " (warm-up)");
      loop.drain();

      Duration cpuBefore = loop.cpuTime();
      Map<String, Long> sentAt = new HashMap<>();
      for (int i = 0; i < images; i++) {
        PipelineRun.send(producer, input, id, "img-" + i, frames.jpeg(i), sentAt);
      }
      producer.flush();
      Map<String, ConsumerRecord<String, byte[]>> done = collect(consumer, "img-", images,
          timeout(images, modelImagesPerSecond), id);
      // the loop emits its per-image line after the commit, so the last one may trail the last output a little
      List<JsonNode> lines = new ArrayList<>(loop.drain());
      long until = System.nanoTime() + 10_000_000_000L;
      while (lines.stream().filter(e -> e.path("key").asText("").startsWith("img-")).count() < images
          && System.nanoTime() < until) {
        PipelineRun.sleepUntil(System.nanoTime() + 100_000_000L);
        lines.addAll(loop.drain());
      }
      double cpuMs = loop.cpuTime().minus(cpuBefore).toNanos() / 1e6 / images;
      return result(images, sentAt, done, lines, output, cpuMs);
    }
  }

  private static Result result(int images, Map<String, Long> sentAt, Map<String, ConsumerRecord<String, byte[]>> done,
      List<JsonNode> lines, String output, double cpuMsPerImage) {
    long firstIn = sentAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
    long lastOut = done.values().stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
    double[] latency = done.entrySet().stream()
        .mapToDouble(e -> e.getValue().timestamp() - sentAt.get(e.getKey())).toArray();
    double bytes = done.values().stream().mapToInt(r -> r.value() == null ? 0 : r.value().length).average()
        .orElse(0);
    Map<String, Double> stages = new LinkedHashMap<>();
    int counted = 0;
    for (JsonNode e : lines) {
      if (!"image".equals(e.path("event").asText()) || !e.path("key").asText("").startsWith("img-")) {
        continue;
      }
      counted++;
      for (String stage : List.of("decode", "preprocess", "model", "fp16", "produce", "commit")) {
        stages.merge(stage, e.path(stage + "_ms").asDouble(), Double::sum);
      }
    }
    int n = counted;
    stages.replaceAll((k, v) -> n == 0 ? Double.NaN : v / n);
    double imagesPerSecond = images * 1000.0 / Math.max(1, lastOut - firstIn);
    PipelineBenchmark.log("  python loop: %.3f img/s, p50 %.0f ms, stages %s, process CPU %.0f ms per image",
        imagesPerSecond, Percentiles.of(latency).p50(), stages, cpuMsPerImage);
    return new Result(images, imagesPerSecond, Percentiles.of(latency), stages, bytes, output, cpuMsPerImage);
  }

  private static Duration timeout(int images, double modelImagesPerSecond) {
    return Duration.ofSeconds(120).plusMillis((long) (images * 1000.0 / Math.max(modelImagesPerSecond, 1e-3) * 10));
  }

  private static Map<String, ConsumerRecord<String, byte[]>> collect(KafkaConsumer<String, byte[]> consumer,
      String prefix, int expected, Duration timeout, String id) {
    Map<String, ConsumerRecord<String, byte[]>> out = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < expected) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(String.format(Locale.ROOT, "run %s: %d/%d outputs after %s", id, out.size(),
            expected, timeout));
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.key() != null && r.key().startsWith(prefix)) {
          out.putIfAbsent(r.key(), r); // at-least-once: a duplicate keeps the first append time
        }
      }
    }
    return out;
  }
}
