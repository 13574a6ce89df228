package dev.anyup.streams.topology;

import dev.anyup.streams.topology.frames.FrameGate;
import dev.anyup.streams.topology.frames.FrameMetrics;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;

/**
 * The topology, as a pure function of configuration, serdes and pipeline: no network, no {@code KafkaStreams}.
 *
 * <pre>
 * topics.input (raw bytes) ──► images processor ──► topics.dense        (DenseFeatures)
 *                                   ▲          ├──► topics.embeddings   (ImageEmbedding)
 *                                   │          ├──► segmentation.topic  (SegmentationMap; only with a head)
 *                                   │          └──► topics.dlq          (original bytes + anyup.dlq.* headers)
 *                                   │ reads the current ConceptSet per image
 * segmentation.concepts.topic ──► concepts global store + processor (only with segmentation.head: concepts;
 *   (Concept, compacted)            every instance reads all of it, validates each record, swaps the ConceptSet)
 * </pre>
 * The source reads raw bytes so that every deserialisation failure happens inside our processor and is dead-lettered
 * with the original key and value. With {@code frames.max.age.ms} or {@code frames.min.interval.ms} set, a
 * {@link FrameGate} sits between the source and the processor and skips stale or over-sampled frames before they are
 * decoded (to {@code frames.skipped.topic} if set). With a {@link SegmentationHead} in the pipeline, the processor
 * also forwards one label map per image, in the same task (so the same transaction) as the other outputs, and the
 * head attaches what it reads (the concepts head: its global store). Without one the topology is as before.
 */
public final class AnyupTopology {
  static final String SOURCE = "images-source";
  static final String PROCESSOR = "images-processor";
  static final String DENSE_SINK = "dense-sink";
  static final String EMBEDDINGS_SINK = "embeddings-sink";
  static final String SEGMENTS_SINK = "segments-sink";
  static final String DLQ_SINK = "dlq-sink";

  private AnyupTopology() {}

  /** Builds the topology; {@code pipeline} and {@code metrics} are shared by every task. */
  public static Topology build(AppConfig cfg, TopologySerdes serdes, ImagePipeline pipeline, PipelineMetrics metrics) {
    return build(cfg, serdes, pipeline, metrics, OutputTap.NONE);
  }

  /** As {@link #build(AppConfig, TopologySerdes, ImagePipeline, PipelineMetrics)}, with {@code tap} seeing outputs. */
  public static Topology build(AppConfig cfg, TopologySerdes serdes, ImagePipeline pipeline, PipelineMetrics metrics,
      OutputTap tap) {
    return build(cfg, serdes, pipeline, metrics, System::nanoTime, System::currentTimeMillis, tap);
  }

  static Topology build(AppConfig cfg, TopologySerdes serdes, ImagePipeline pipeline, PipelineMetrics metrics,
      LongSupplier ticker, LongSupplier wallClockMillis) {
    return build(cfg, serdes, pipeline, metrics, ticker, wallClockMillis, OutputTap.NONE);
  }

  /**
   * @param ticker monotonic nanoseconds for stage timings
   * @param wallClockMillis the clock frame ages are measured against
   * @param tap sees every image's outputs and every dead letter (must not block)
   */
  static Topology build(AppConfig cfg, TopologySerdes serdes, ImagePipeline pipeline, PipelineMetrics metrics,
      LongSupplier ticker, LongSupplier wallClockMillis, OutputTap tap) {
    DeadLetterRouter router = new DeadLetterRouter(metrics);
    CrashLoopBreaker breaker = CrashLoopBreaker.of(cfg);
    var bytes = Serdes.ByteArray();
    Topology t = new Topology();
    t.addSource(SOURCE, bytes.deserializer(), bytes.deserializer(), cfg.topics().input());
    String parent = FrameGate.attach(t, cfg.frames(), serdes.imageEvents(), new FrameMetrics(metrics.registry()),
        wallClockMillis, SOURCE, PROCESSOR, cfg.topics().input());
    t.addProcessor(PROCESSOR,
        () -> new ImageFeaturesProcessor(cfg, serdes, pipeline, router, metrics, ticker, tap, breaker), parent);
    if (cfg.output().denseEnabled()) {
      t.addSink(DENSE_SINK, cfg.topics().dense(), bytes.serializer(), bytes.serializer(), PROCESSOR);
    }
    if (cfg.output().embeddingsEnabled()) {
      t.addSink(EMBEDDINGS_SINK, cfg.topics().embeddings(), bytes.serializer(), bytes.serializer(), PROCESSOR);
    }
    SegmentationHead head = pipeline.segmentation();
    if (head != null) {
      t.addSink(SEGMENTS_SINK, cfg.segmentation().topic(), bytes.serializer(), bytes.serializer(), PROCESSOR);
      head.attach(t);
    }
    t.addSink(DLQ_SINK, cfg.topics().dlq(), bytes.serializer(), bytes.serializer(), PROCESSOR);
    return t;
  }
}
