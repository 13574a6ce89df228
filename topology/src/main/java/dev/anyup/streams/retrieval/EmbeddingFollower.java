package dev.anyup.streams.retrieval;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the embeddings topic into an {@link EmbeddingIndex} for the console of {@code run}: the app searches its
 * own committed output, the same index and query code as {@code serve}, without a second process.
 *
 * <p>Why a plain consumer on its own thread and not a Kafka Streams store: it must not touch the pipeline. It joins no
 * group (it assigns every partition itself), so it never triggers a rebalance of the app; it reads
 * {@code read_committed}, so an aborted transaction's embedding is never found; a slow query or a slow fetch only
 * delays this thread. Memory is bounded: at most {@code maxEmbeddings} entries, the oldest dropped first, and at start
 * it reads only about the newest {@code maxEmbeddings} records of the topic (spread over its partitions) rather than
 * the whole history. The index is not persisted: a restart reads the topic again.
 */
public final class EmbeddingFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingFollower.class);
  private static final Duration POLL = Duration.ofMillis(500);
  /** How often new partitions of the topic are looked for. */
  private static final long REFRESH_NANOS = Duration.ofSeconds(30).toNanos();

  private final String topic;
  private final int maxEmbeddings;
  private final EmbeddingIndex index = new EmbeddingIndex();
  private final LinkedHashSet<List<String>> oldestFirst = new LinkedHashSet<>();
  private final Consumer<byte[], byte[]> consumer;
  private final Deserializer<ImageEmbedding> deserializer;
  private final AutoCloseable serde;
  private final Thread thread;
  private final AtomicLong indexed = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final dev.anyup.streams.access.AccessContext access;
  private volatile boolean closing;
  private volatile String failure;

  /** Follows {@code topic} with {@code consumer}; closes both the consumer and {@code serde} when closed. */
  EmbeddingFollower(String topic, int maxEmbeddings, Consumer<byte[], byte[]> consumer,
      Deserializer<ImageEmbedding> deserializer, AutoCloseable serde) {
    this(topic, maxEmbeddings, consumer, deserializer, serde,
        dev.anyup.streams.access.AccessContext.of(new Properties(), java.util.Set.of(topic), java.util.Set.of(), ""));
  }

  /** Like the other; {@code access} names the ACL a refused read lacks. */
  EmbeddingFollower(String topic, int maxEmbeddings, Consumer<byte[], byte[]> consumer,
      Deserializer<ImageEmbedding> deserializer, AutoCloseable serde, dev.anyup.streams.access.AccessContext access) {
    this.access = access;
    if (maxEmbeddings < 1) {
      throw new IllegalArgumentException("max embeddings must be at least 1 but was " + maxEmbeddings);
    }
    this.topic = topic;
    this.maxEmbeddings = maxEmbeddings;
    this.consumer = consumer;
    this.deserializer = deserializer;
    this.serde = serde;
    this.thread = new Thread(this::follow, "anyup-console-embeddings");
    thread.setDaemon(true);
  }

  /** Starts following {@code topics.embeddings}, keeping at most {@code maxEmbeddings}. */
  public static EmbeddingFollower start(AppConfig cfg, int maxEmbeddings) {
    Objects.requireNonNull(cfg, "config must not be null");
    SpecificAvroSerde<ImageEmbedding> serde = new SpecificAvroSerde<>(ImageEmbedding.class);
    serde.configure(Map.copyOf(cfg.serdeConfig()), false);
    Properties props = consumerProperties(cfg);
    EmbeddingFollower f = new EmbeddingFollower(cfg.topics().embeddings(), maxEmbeddings,
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        serde.deserializer(), serde, dev.anyup.streams.access.AccessContext.of(props,
            java.util.Set.of(cfg.topics().embeddings()), java.util.Set.of(), cfg.applicationId()));
    f.start();
    LOG.info("console: following {} (read_committed) into a similar-image index of at most {} embeddings",
        f.topic, maxEmbeddings);
    return f;
  }

  /** Starts the following thread. */
  void start() {
    thread.start();
  }

  static Properties consumerProperties(AppConfig cfg) {
    Properties p = cfg.consumerProperties();
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, cfg.applicationId() + "-console-embeddings");
    // small fetches: this consumer's buffers count against the app's heap next to the index
    p.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(8 << 20));
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    return p;
  }

  /** The index the console's similar-image search reads. */
  public EmbeddingIndex index() {
    return index;
  }

  /** Why the follower stopped for good (a missing READ ACL, rejected credentials, ...), or empty while it follows. */
  public java.util.Optional<String> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  /** Embeddings indexed so far (including ones later dropped as the oldest). */
  public long indexed() {
    return indexed.get();
  }

  /** Records that could not be indexed (not an {@code ImageEmbedding}, another dimension, all zero), each logged. */
  public long skipped() {
    return skipped.get();
  }

  private void follow() {
    List<TopicPartition> assigned = List.of();
    long refreshedAt = System.nanoTime() - REFRESH_NANOS;
    try {
      while (!closing) {
        if (System.nanoTime() - refreshedAt >= REFRESH_NANOS) {
          assigned = reassign(assigned);
          refreshedAt = System.nanoTime();
        }
        if (assigned.isEmpty()) {
          Thread.sleep(POLL.toMillis()); // the topic has no partitions yet: nothing to wait on but time
          continue;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          index(r);
        }
      }
    } catch (WakeupException | InterruptedException stop) {
      if (!closing) {
        LOG.warn("console embeddings follower stopped unexpectedly", stop);
      }
    } catch (RuntimeException e) {
      java.util.Optional<dev.anyup.streams.access.AccessFailure> denied = dev.anyup.streams.access.AccessFailure.of(e,
          access);
      failure = "the similar-image index stopped following " + topic + " at " + index.size() + " embeddings: "
          + denied.map(dev.anyup.streams.access.AccessFailure::message)
              .orElse(dev.anyup.streams.access.AccessFailure.rootMessage(e));
      if (denied.isPresent()) {
        LOG.error("console: {}", failure);
      } else {
        LOG.error("console: {}", failure, e);
      }
    } finally {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /** Assigns every partition of the topic; a new one starts about {@code maxEmbeddings / partitions} from its end. */
  private List<TopicPartition> reassign(List<TopicPartition> current) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
    List<TopicPartition> all = new ArrayList<>();
    for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
      all.add(new TopicPartition(topic, i.partition()));
    }
    if (all.size() == current.size()) {
      return current;
    }
    List<TopicPartition> added = new ArrayList<>(all);
    added.removeAll(current);
    consumer.assign(all);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(added);
    Map<TopicPartition, Long> end = consumer.endOffsets(added);
    long perPartition = (maxEmbeddings + all.size() - 1) / all.size();
    for (TopicPartition tp : added) {
      consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - perPartition));
    }
    LOG.info("console embeddings follower: {} partition(s) of {}", all.size(), topic);
    return all;
  }

  private void index(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) {
      return;
    }
    ImageEmbedding e;
    float[] v;
    try {
      e = deserializer.deserialize(r.topic(), r.value());
      List<Float> vec = e.getVector();
      v = new float[vec.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = vec.get(i);
      }
      index.put(e.getImageId(), e.getSourceId(), e.getCaptureTimestamp(), v);
    } catch (RuntimeException why) {
      skipped.incrementAndGet();
      LOG.warn("console similar-image index skipped {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
          why.getMessage());
      return;
    }
    // keyed like the index, by (source, image id): the same file name from two cameras is two images
    List<String> id = List.of(e.getSourceId(), e.getImageId());
    oldestFirst.remove(id);
    oldestFirst.add(id);
    for (Iterator<List<String>> it = oldestFirst.iterator(); oldestFirst.size() > maxEmbeddings; ) {
      List<String> old = it.next();
      index.remove(old.get(0), old.get(1));
      it.remove();
    }
    indexed.incrementAndGet();
  }

  /** Stops the thread and closes its consumer. */
  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      serde.close();
    } catch (Exception e) {
      LOG.warn("closing the console embeddings deserializer failed", e);
    }
  }
}
