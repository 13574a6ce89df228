package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.topology.SegmentationHead;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The {@code concepts} head: labels each pixel with the most similar live concept ({@code ConceptSet}), the concepts
 * being whatever the compacted concepts topic defines now. Every instance reads the whole topic as a global store;
 * each valid record replaces the current set atomically, so a change applies to every frame labelled after the global
 * thread applied it, on every instance, with no restart. The version on each record is the concept-set version the
 * frame was labelled with (see {@link LiveConcepts.Snapshot#version()}).
 */
final class ConceptsHead implements SegmentationHead {
  static final String KIND = "concepts";
  static final String SOURCE = "concepts-source";
  static final String PROCESSOR = "concepts-processor";
  static final String STORE = "segmentation-concepts";

  private final String topic;
  private final Deserializer<Concept> deserializer;
  private final ConceptRecords records;
  private final LiveConcepts live = new LiveConcepts();
  private final ConceptMetrics metrics;
  private final LongSupplier wallClockMillis;
  private final AtomicLong lastUsedVersion = new AtomicLong();

  /**
   * @param topic the concepts topic ({@code segmentation.concepts.topic}), one partition
   * @param records checks each record against the bundle's encoder
   * @param wallClockMillis the clock first-use delays are measured with
   */
  ConceptsHead(String topic, Deserializer<Concept> deserializer, ConceptRecords records,
      io.micrometer.core.instrument.MeterRegistry registry, LongSupplier wallClockMillis) {
    this.topic = topic;
    this.deserializer = deserializer;
    this.records = records;
    this.metrics = new ConceptMetrics(registry, live::current);
    this.wallClockMillis = wallClockMillis;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String name() {
    return topic;
  }

  @Override
  public Labels label(FeatureResult result, boolean withConfidence) {
    if (result.upsampled() == null) {
      throw new IllegalStateException("the concepts head needs the upsampled features but the result has none (the "
          + "bundle was loaded without keepUpsampled)");
    }
    LiveConcepts.Snapshot s = live.current();
    Labels labels = new Labels(s.set().label(result.upsampled(), withConfidence), Long.toString(s.version()));
    long seen = lastUsedVersion.get();
    if (s.version() > seen && lastUsedVersion.compareAndSet(seen, s.version()) && s.changedAtMillis() > 0) {
      metrics.firstUse(wallClockMillis.getAsLong() - s.changedAtMillis());
    }
    return labels;
  }

  /** Adds the concepts topic as a global store (in memory, so restored from the start at every startup). */
  @Override
  public void attach(Topology topology) {
    var bytes = Serdes.ByteArray();
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled(),
        SOURCE, bytes.deserializer(), bytes.deserializer(), topic, PROCESSOR,
        () -> new ConceptsProcessor(topic, STORE, deserializer, records, live, metrics));
  }

  /** The current concept set and version. */
  LiveConcepts.Snapshot current() {
    return live.current();
  }
}
