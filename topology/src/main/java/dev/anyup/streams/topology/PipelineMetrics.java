package dev.anyup.streams.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline's own meters (Kafka Streams' are bound separately): per-stage latency timers with histograms, batch
 * size distribution, batch duration, images attempted (forwarded, not necessarily committed), age of processed
 * frames, dead letters by stage and reason, bytes out by topic; with a segmentation head, label maps forwarded and the
 * time to label one image and encode its PNGs. (The concepts head's own meters, {@code anyup.concepts.*}, are
 * registered by that head on {@link #registry()}.)
 */
public final class PipelineMetrics {
  /** Images whose outputs were forwarded: the console's throughput chart reads this counter. */
  public static final String IMAGES_ATTEMPTED = "anyup.images.attempted";
  /** Time from dequeue to forwarded outputs per image. */
  public static final String PROCESS_LATENCY = "anyup.process.latency";
  /** Images per model call. */
  public static final String BATCH_SIZE = "anyup.batch.size";
  /** Dead letters, tagged by stage and reason. */
  public static final String DEAD_LETTERS = "anyup.dead.letters";

  private final MeterRegistry registry;
  private final Map<Stage, Timer> stageTimers = new EnumMap<>(Stage.class);
  private final Timer endToEnd;
  private final DistributionSummary batchSize;
  private final Timer batchDuration;
  private final Counter processed;
  private final Timer segmentation;
  /** Each source's frame-age timer, looked up once: building a meter's id per image costs on the stream thread. */
  private final Map<String, Timer> frameAgeBySource = new java.util.concurrent.ConcurrentHashMap<>();
  private final Counter labelMaps;

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Stage s : Stage.values()) {
      stageTimers.put(s, Timer.builder("anyup.stage.latency").description("time spent in one pipeline stage per image")
          .tag("stage", s.label()).publishPercentileHistogram().register(registry));
    }
    endToEnd = Timer.builder(PROCESS_LATENCY).description("time from dequeue to forwarded outputs per image")
        .publishPercentileHistogram().register(registry);
    batchSize = DistributionSummary.builder(BATCH_SIZE).description("images per model call")
        .publishPercentileHistogram().maximumExpectedValue(256.0).register(registry);
    batchDuration = Timer.builder("anyup.batch.duration").description("duration of one model call")
        .publishPercentileHistogram().register(registry);
    processed = Counter.builder(IMAGES_ATTEMPTED).description(
        "images whose outputs were forwarded; attempted, not committed: work of an aborted transaction counts too")
        .register(registry);
    segmentation = Timer.builder("anyup.segmentation.latency")
        .description("time to label one image with the segmentation head and encode its label (and confidence) PNG")
        .publishPercentileHistogram().register(registry);
    labelMaps = Counter.builder("anyup.segmentation.maps").description(
        "label maps forwarded to segmentation.topic; attempted, not committed, like anyup.images.attempted")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  void stage(Stage stage, long nanos) {
    stageTimers.get(stage).record(nanos, TimeUnit.NANOSECONDS);
  }

  void processed(long nanos) {
    processed.increment();
    endToEnd.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Name of the processed-frame age histogram, tagged by source. */
  public static final String FRAME_AGE = "anyup.frame.age";

  /**
   * A processed frame of {@code source} was {@code millis} old (negative ages, from clocks ahead of ours, count as
   * 0). One histogram per source, like {@code anyup.frames.skipped}: a camera fleet is of bounded size, and one
   * lagging camera is what an operator looks for.
   */
  void frameAge(String source, long millis) {
    frameAge(source).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  void segmentation(long nanos) {
    segmentation.record(nanos, TimeUnit.NANOSECONDS);
  }

  void labelMap() {
    labelMaps.increment();
  }

  /** Label maps forwarded so far (attempted: an aborted transaction does not take them back). */
  public double labelMaps() {
    return labelMaps.count();
  }

  /** The processed-frame age histogram of {@code source} ({@code anyup.frame.age{source}}). */
  public Timer frameAge(String source) {
    return frameAgeBySource.computeIfAbsent(String.valueOf(source), s -> Timer.builder(FRAME_AGE)
        .description("age of a processed frame when its outputs were built: processed minus capture timestamp")
        .tag("source", s).publishPercentileHistogram().register(registry));
  }

  /** A batcher listener feeding the batch meters. */
  public InferenceBatcher.Listener batchListener() {
    return (size, nanos, failed) -> {
      batchSize.record(size);
      batchDuration.record(nanos, TimeUnit.NANOSECONDS);
    };
  }

  void deadLetter(DeadLetterReason reason) {
    registry.counter(DEAD_LETTERS, "stage", reason.stage().label(), "reason", reason.code()).increment();
  }

  void bytesOut(String topic, long bytes) {
    registry.counter("anyup.bytes.out", "topic", topic).increment(bytes);
  }

  /** Images whose outputs were forwarded so far (attempted: an aborted transaction does not take them back). */
  public double imagesAttempted() {
    return processed.count();
  }

  /** Output bytes forwarded so far (record values, all output topics). */
  public double bytesOut() {
    return registry.find("anyup.bytes.out").counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Dead letters so far, all stages. */
  public double deadLetters() {
    return registry.find(DEAD_LETTERS).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Dead letters so far at {@code stage}. */
  public double deadLetters(Stage stage) {
    return registry.find(DEAD_LETTERS).tag("stage", stage.label()).counters().stream()
        .mapToDouble(Counter::count).sum();
  }
}
