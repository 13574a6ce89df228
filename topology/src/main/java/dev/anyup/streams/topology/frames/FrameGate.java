package dev.anyup.streams.topology.frames;

import dev.anyup.streams.avro.ImageEvent;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The frame gate's one entry point: adds, between the input source and the image processor, a node that skips stale
 * and over-sampled frames before they are decoded (see {@link FramePolicy}).
 *
 * <pre>
 * source ──► frames-gate ──► (image processor)
 *               │   └── store frames-last-processed (record key → last processed event time, changelogged)
 *               └──► frames-skipped-sink ──► frames.skipped.topic (JSON, if configured)
 * </pre>
 * With the policy off nothing is added, so the topology (and its internal topics) is unchanged.
 */
public final class FrameGate {
  /** The gate processor node. */
  public static final String NAME = "frames-gate";
  /** The sink of {@code frames.skipped.topic}. */
  public static final String SKIPPED_SINK = "frames-skipped-sink";
  /** The sampling store; its changelog is {@code <application.id>-frames-last-processed-changelog}. */
  public static final String STORE = "frames-last-processed";

  private FrameGate() {}

  /**
   * Adds the gate after {@code parent} when {@code policy} is enabled; the gate forwards admitted records to the node
   * named {@code downstream}, which the caller adds next with the returned name as its parent.
   *
   * @param wallClockMillis the clock ages are measured against (e.g. {@code System::currentTimeMillis})
   * @param input the input topic (for the deserialiser's subject when record metadata is missing)
   * @return the name the downstream node must attach to: the gate, or {@code parent} when the policy is off
   */
  public static String attach(Topology topology, FramePolicy policy, Deserializer<ImageEvent> events,
      FrameMetrics metrics, LongSupplier wallClockMillis, String parent, String downstream, String input) {
    if (!policy.enabled()) {
      return parent;
    }
    topology.addProcessor(NAME,
        () -> new FrameGateProcessor(policy, events, metrics, wallClockMillis, downstream, input), parent);
    if (policy.sampling()) {
      // in memory: a few entries per source; the changelog restores it on restart or when the task moves
      topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(STORE), Serdes.Bytes(),
          Serdes.Long()), NAME);
    }
    if (policy.publishesSkipped()) {
      var bytes = Serdes.ByteArray();
      topology.addSink(SKIPPED_SINK, policy.skippedTopic(), bytes.serializer(), bytes.serializer(), NAME);
    }
    return NAME;
  }
}
