package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A {@code read_committed} reader of the app's three outputs (dense, embeddings, dead letters) on its own thread, from
 * the start of every partition, noting when each record became visible and for which image id (a dead letter's id is
 * read from its original {@code ImageEvent} bytes, so the inputs that go there must be valid Avro). It keeps reading
 * through broker outages: the consumer reconnects by itself. The exactly-once count of issue 10 is
 * {@link #miscounted}.
 */
final class CommittedOutputReader implements AutoCloseable {

  /** Which output a record was read from. */
  enum Output { DENSE, EMBEDDINGS, DEAD_LETTERS }

  /** A committed record: its output, image id and when this reader saw it ({@link System#nanoTime()}). */
  record Seen(Output output, String imageId, long nanos) {}

  private final AppConfig cfg;
  private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile RuntimeException failure;
  private volatile boolean closing;

  CommittedOutputReader(AppConfig cfg) {
    this.cfg = cfg;
    this.thread = new Thread(this::read, "committed-output-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** Everything seen so far, in the order seen. */
  List<Seen> seen() {
    if (failure != null) {
      throw new IllegalStateException("the committed-output reader failed", failure);
    }
    return List.copyOf(seen);
  }

  /** How many records seen so far match {@code p}. */
  long count(Predicate<Seen> p) {
    return seen().stream().filter(p).count();
  }

  /** Waits until nothing new has arrived for {@code quiet}: a late duplicate would arrive in this time. */
  void awaitQuiet(Duration quiet, Duration atMost) {
    AtomicInteger last = new AtomicInteger(-1);
    await().during(quiet).atMost(atMost).pollInterval(Duration.ofMillis(200))
        .until(() -> last.getAndSet(seen().size()) == seen().size());
  }

  /**
   * The images whose committed records differ from what was expected, as {@code id -> "dense=D embeddings=E
   * dead_letters=L"}; empty when every good input has exactly one dense and one embedding record and no dead letter,
   * and every bad one exactly one dead letter and nothing else. Records of ids in neither set count as miscounted too.
   */
  Map<String, String> miscounted(List<String> good, List<String> bad) {
    Map<String, int[]> counts = new TreeMap<>();
    good.forEach(id -> counts.put(id, new int[3]));
    bad.forEach(id -> counts.put(id, new int[3]));
    for (Seen s : seen()) {
      counts.computeIfAbsent(s.imageId(), k -> new int[3])[s.output().ordinal()]++;
    }
    java.util.Set<String> goodIds = java.util.Set.copyOf(good);
    java.util.Set<String> badIds = java.util.Set.copyOf(bad);
    Map<String, String> wrong = new TreeMap<>();
    counts.forEach((id, c) -> {
      boolean ok = goodIds.contains(id) ? c[0] == 1 && c[1] == 1 && c[2] == 0
          : badIds.contains(id) && c[0] == 0 && c[1] == 0 && c[2] == 1;
      if (!ok) {
        wrong.put(id, "dense=" + c[0] + " embeddings=" + c[1] + " dead_letters=" + c[2]);
      }
    });
    return wrong;
  }

  private void read() {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        SpecificAvroSerde<DenseFeatures> dense = serde(DenseFeatures.class);
        SpecificAvroSerde<ImageEmbedding> emb = serde(ImageEmbedding.class);
        SpecificAvroSerde<ImageEvent> events = serde(ImageEvent.class)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String topic : List.of(cfg.topics().dense(), cfg.topics().embeddings(), cfg.topics().dlq())) {
        await().atMost(Duration.ofSeconds(60)).until(() -> !consumer.partitionsFor(topic).isEmpty());
        consumer.partitionsFor(topic).forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      while (!closing) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          if (r.topic().equals(cfg.topics().dense())) {
            seen.add(new Seen(Output.DENSE, dense.deserializer().deserialize(r.topic(), r.value()).getImageId(), now));
          } else if (r.topic().equals(cfg.topics().embeddings())) {
            seen.add(new Seen(Output.EMBEDDINGS, emb.deserializer().deserialize(r.topic(), r.value()).getImageId(),
                now));
          } else {
            seen.add(new Seen(Output.DEAD_LETTERS,
                events.deserializer().deserialize(cfg.topics().input(), r.value()).getImageId(), now));
          }
        }
      }
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  private <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
    SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type);
    s.configure(Map.copyOf(cfg.serdeConfig()), false);
    return s;
  }

  @Override
  public void close() {
    closing = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
