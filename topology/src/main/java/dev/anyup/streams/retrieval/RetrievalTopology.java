package dev.anyup.streams.retrieval;

import dev.anyup.streams.avro.ImageEmbedding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrieval side as a pure topology: the embeddings topic materialised into a state store keyed by image id, and
 * an {@link EmbeddingIndex} kept equal to it for queries.
 *
 * <pre>
 * features.embeddings ──► index-embeddings ──► store "embeddings-by-image"
 *   (key: source id)            │                (image id → source, capture time, vector; changelogged)
 *                               └──► EmbeddingIndex (in memory; rebuilt from the store when a task starts)
 * </pre>
 *
 * <p>The topic is keyed by source id, so the store is written by a processor, not a {@code KTable} of the topic: one
 * entry per image. Kafka Streams initialises a processor after its stores are restored, so {@code init()} loads the
 * restored entries into the index. A record the index refuses (another dimension, an all-zero vector) is logged and
 * counted, never stored half. Entries are tagged with their partition; when a task closes (its partition moves to
 * another instance) they leave the index, so an instance answers for exactly the partitions it holds.
 */
public final class RetrievalTopology {
  /** Name of the state store. */
  public static final String STORE = "embeddings-by-image";
  static final String SOURCE = "embeddings-source";
  static final String PROCESSOR = "index-embeddings";

  private static final Logger LOG = LoggerFactory.getLogger(RetrievalTopology.class);

  private RetrievalTopology() {}

  /** The topology; no I/O here. {@code refused} counts the embeddings the index refused (each is logged). */
  public static Topology build(String embeddingsTopic, Serde<ImageEmbedding> embeddings, EmbeddingIndex index,
      AtomicLong refused) {
    StreamsBuilder b = new StreamsBuilder();
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
        Serdes.ByteArray()));
    b.stream(embeddingsTopic, Consumed.with(Serdes.ByteArray(), embeddings).withName(SOURCE))
        .process(() -> new IndexingProcessor(index, refused), Named.as(PROCESSOR), STORE);
    return b.build();
  }

  /**
   * Store key: source id, NUL, image id, so the same image id from two sources is two entries (as in the index).
   * Stores written before this key was introduced hold the bare image id; {@link #imageIdOf} reads both.
   */
  static String storeKey(String sourceId, String imageId) {
    return sourceId + '\u0000' + imageId;
  }

  static String imageIdOf(String storeKey) {
    return storeKey.substring(storeKey.indexOf('\u0000') + 1);
  }

  /** Stored value: source id, capture time and the vector as received (the index normalises it), compactly. */
  static byte[] encode(String sourceId, Instant capture, float[] v) {
    byte[] src = sourceId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(4 + src.length + 8 + 4 + 4 * v.length);
    buf.putInt(src.length).put(src).putLong(capture.toEpochMilli()).putInt(v.length);
    for (float x : v) {
      buf.putFloat(x);
    }
    return buf.array();
  }

  private static void load(EmbeddingIndex index, String imageId, byte[] value, int partition) {
    ByteBuffer buf = ByteBuffer.wrap(value);
    byte[] src = new byte[buf.getInt()];
    buf.get(src);
    Instant capture = Instant.ofEpochMilli(buf.getLong());
    float[] v = new float[buf.getInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = buf.getFloat();
    }
    index.put(imageId, new String(src, StandardCharsets.UTF_8), capture, v, partition);
  }

  private static final class IndexingProcessor implements Processor<byte[], ImageEmbedding, Void, Void> {
    private final EmbeddingIndex index;
    private final AtomicLong refused;
    private KeyValueStore<String, byte[]> store;
    private int partition;

    IndexingProcessor(EmbeddingIndex index, AtomicLong refused) {
      this.index = index;
      this.refused = refused;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
      // one source topic: the task's partition is the input partition its records come from
      partition = context.taskId().partition();
      int loaded = 0;
      try (KeyValueIterator<String, byte[]> all = store.all()) {
        while (all.hasNext()) {
          KeyValue<String, byte[]> kv = all.next();
          load(index, imageIdOf(kv.key), kv.value, partition);
          loaded++;
        }
      }
      index.markLoaded(partition);
      LOG.info("retrieval index: {} embeddings loaded from store {} (task {})", loaded, STORE, context.taskId());
    }

    @Override
    public void process(Record<byte[], ImageEmbedding> record) {
      ImageEmbedding e = record.value();
      if (e == null) {
        return;
      }
      List<Float> vec = e.getVector();
      float[] v = new float[vec.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = vec.get(i);
      }
      try {
        index.put(e.getImageId(), e.getSourceId(), e.getCaptureTimestamp(), v, partition);
      } catch (IllegalArgumentException why) {
        refused.incrementAndGet();
        LOG.warn("retrieval index refused embedding of image {}: {}", e.getImageId(), why.getMessage());
        return;
      }
      store.put(storeKey(e.getSourceId(), e.getImageId()), encode(e.getSourceId(), e.getCaptureTimestamp(), v));
    }

    /** The task leaves this instance (rebalance, shutdown): its entries must no longer be answered from here. */
    @Override
    public void close() {
      int removed = index.removePartition(partition);
      LOG.info("retrieval index: partition {} closed here, {} embeddings dropped from the index", partition, removed);
    }
  }
}
