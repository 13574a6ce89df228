package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The client side of the compacted concepts topic ({@code segmentation.concepts.topic}): one partition, key = the
 * concept's name (UTF-8), value = an Avro {@link Concept} in the registry's wire format, a tombstone deletes. Every
 * write waits for the broker's acknowledgement ({@code acks=all}, idempotent) and fails with the broker's error, so a
 * caller never reports a concept as saved that was not; reads go to the end with {@code read_committed}. Used by
 * {@code anyup-streams concepts} and the console; the pipeline reads the same topic as a global store.
 */
public final class ConceptTopic implements AutoCloseable {

  /** A live concept and the offset of the record that set it. */
  public record Entry(String name, Concept concept, long offset) {}

  /**
   * The live concepts (tombstoned names left out), in the order they were created (an update keeps the place, a tombstone drops it); {@code endOffset} is the
   * concept-set version once all of them are applied; {@code problems} names each record that could not be read.
   */
  public record Listing(List<Entry> concepts, long endOffset, boolean topicExists, List<String> problems) {}

  private final AppConfig cfg;
  private final String topic;
  private final Duration timeout;
  private final SpecificAvroSerde<Concept> serde;
  private KafkaProducer<byte[], byte[]> producer;

  /** @param timeout how long a write may wait for its acknowledgement, and a read for the topic's end */
  public ConceptTopic(AppConfig cfg, String topic, Duration timeout) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("the concepts topic must not be blank");
    }
    if (timeout == null || timeout.toMillis() < 1000) {
      throw new IllegalArgumentException("timeout must be at least 1 s but was " + timeout);
    }
    this.cfg = cfg;
    this.topic = topic;
    this.timeout = timeout;
    this.serde = new SpecificAvroSerde<>(Concept.class);
    serde.configure(Map.copyOf(cfg.serdeConfig()), false);
  }

  public String topic() {
    return topic;
  }

  /**
   * Creates the topic (compacted, one partition) when it is missing.
   *
   * @throws IllegalStateException when it exists with more than one partition (the concept-set version is the offset
   *     of one partition) or the broker cannot be asked
   */
  public void ensure() {
    try (Admin admin = Admin.create(cfg.adminProperties())) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(),
            TimeUnit.MILLISECONDS).get(topic);
        if (d.partitions().size() != 1) {
          throw new IllegalStateException("concepts topic " + topic + " has " + d.partitions().size() + " partitions "
              + "but must have exactly one (the concept-set version is an offset of that partition)");
        }
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("cannot describe concepts topic " + topic + ": " + e.getCause(), e);
        }
      }
      NewTopic t = new NewTopic(topic, 1, cfg.topics().replication())
          .configs(Map.of("cleanup.policy", "compact"));
      try {
        admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create concepts topic " + topic + ": " + e.getCause(), e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking concepts topic " + topic, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the broker did not answer about concepts topic " + topic + " within "
          + timeout.toMillis() + " ms", e);
    }
  }

  /**
   * Writes {@code concept} under its name and waits for the acknowledgement.
   *
   * @return the record's offset
   * @throws ConceptWriteException when the broker did not acknowledge it (with the broker's error)
   */
  public long put(Concept concept) {
    return send(concept.getName(), serde.serializer().serialize(topic, concept));
  }

  /**
   * Writes the tombstone of {@code name} and waits for the acknowledgement.
   *
   * @return the tombstone's offset
   * @throws ConceptWriteException when the broker did not acknowledge it
   */
  public long delete(String name) {
    return send(name, null);
  }

  private synchronized long send(String name, byte[] value) {
    if (producer == null) {
      Properties p = cfg.producerProperties();
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      long ms = timeout.toMillis();
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ms));
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(ms / 2));
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(ms));
      p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    byte[] key = name.getBytes(StandardCharsets.UTF_8);
    String what = value == null ? "the tombstone of concept " + name : "concept " + name;
    try {
      RecordMetadata m = producer.send(new ProducerRecord<>(topic, 0, key, value))
          .get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
      return m.offset();
    } catch (ExecutionException e) {
      throw new ConceptWriteException("the broker did not acknowledge " + what + " on " + topic + ": "
          + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new ConceptWriteException("no acknowledgement for " + what + " on " + topic + " within "
          + (timeout.toMillis() + 5000) + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConceptWriteException("interrupted while waiting for the acknowledgement of " + what, e);
    } catch (RuntimeException e) {
      throw new ConceptWriteException("cannot send " + what + " to " + topic + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the topic from the start to its end (the last stable offset: {@code read_committed}) and returns the live
   * concepts. A missing topic is an empty listing (nothing is created).
   *
   * @throws IllegalStateException when the end is not reached within the timeout
   */
  public Listing read() {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "anyup-concepts-" + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, Entry> live = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> parts = consumer.partitionsFor(topic, timeout);
      if (parts == null || parts.isEmpty()) {
        return new Listing(List.of(), 0, false, List.of());
      }
      List<TopicPartition> tps = parts.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read concepts topic " + topic + " to its end " + end
              + " within " + timeout.toMillis() + " ms");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null) {
            problems.add("offset " + r.offset() + ": a record without a key (the key must be the concept's name)");
            continue;
          }
          String name = new String(r.key(), StandardCharsets.UTF_8);
          if (r.value() == null) {
            live.remove(name);
            continue;
          }
          try {
            Concept c = serde.deserializer().deserialize(r.topic(), r.headers(), r.value());
            live.put(name, new Entry(name, c, r.offset())); // an update keeps the concept's place
          } catch (RuntimeException e) {
            problems.add("offset " + r.offset() + " (key " + name + "): not a Concept record: " + e.getMessage());
          }
        }
      }
      long endOffset = end.values().stream().mapToLong(Long::longValue).sum();
      return new Listing(List.copyOf(live.values()), endOffset, true, List.copyOf(problems));
    }
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    serde.close();
  }
}
