package dev.anyup.streams.retrieval;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/** The console's follower of the embeddings topic: where it starts, its memory bound, what it skips, its settings. */
class EmbeddingFollowerTest {
  private static final String TOPIC = "emb";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  /** Values are image ids; "bad" is not an embedding. */
  private static final Deserializer<ImageEmbedding> IDS = (topic, bytes) -> {
    String id = new String(bytes, StandardCharsets.UTF_8);
    if (id.equals("bad")) {
      throw new IllegalArgumentException("not an ImageEmbedding");
    }
    return RetrievalTopologyTestData.embedding(id, "cam", T0, 1, id.length(), id.hashCode() % 7);
  };

  private static MockConsumer<byte[], byte[]> twoPartitions(long end) {
    MockConsumer<byte[], byte[]> c = new MockConsumer<>("earliest");
    c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), null, null),
        new PartitionInfo(TOPIC, 1, Node.noNode(), null, null)));
    c.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    c.updateEndOffsets(Map.of(P0, end, P1, end));
    return c;
  }

  private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, String id) {
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "cam".getBytes(StandardCharsets.UTF_8),
        id.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void startsAboutMaxEmbeddingsFromTheEndAndKeepsOnlyTheNewest() {
    MockConsumer<byte[], byte[]> consumer = twoPartitions(10);
    EmbeddingFollower follower = new EmbeddingFollower(TOPIC, 4, consumer, IDS, () -> { });
    follower.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.assignment().size() == 2);
      for (long o = 0; o < 10; o++) {
        consumer.addRecord(record(P0, o, "a" + o));
        consumer.addRecord(record(P1, o, "b" + o));
      }
      // 4 embeddings over 2 partitions: each starts 2 records before its end
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.indexed() == 4);
      EmbeddingIndex index = follower.index();
      assertTrue(index.contains("a8") && index.contains("a9") && index.contains("b8") && index.contains("b9"));
      assertFalse(index.contains("a7"), "older records than the bound are not read at start");

      consumer.addRecord(record(P0, 10, "a10"));
      consumer.addRecord(record(P1, 10, "b10"));
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.indexed() == 6);
      assertEquals(4, index.size(), "never more than the bound");
      assertTrue(index.contains("a10") && index.contains("b10"), "the newest kept");
      assertEquals(2, List.of("a8", "a9", "b8", "b9").stream().filter(index::contains).count(),
          "the two oldest dropped");
    } finally {
      follower.close();
    }
    assertTrue(consumer.closed(), "the consumer is closed with the follower");
  }

  @Test
  void aRefusedReadStopsTheFollowerAndSaysWhyWithTheAclToAdd() {
    MockConsumer<byte[], byte[]> consumer = twoPartitions(0);
    consumer.setPollException(new org.apache.kafka.common.errors.TopicAuthorizationException(java.util.Set.of(TOPIC)));
    Properties props = new Properties();
    props.put("bootstrap.servers", "broker:9093");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
        + "username=\"console\" password=\"pw-never-shown\";");
    EmbeddingFollower follower = new EmbeddingFollower(TOPIC, 10, consumer, IDS, () -> { },
        dev.anyup.streams.access.AccessContext.of(props, java.util.Set.of(TOPIC), java.util.Set.of(), "anyup"));
    assertTrue(follower.failure().isEmpty());
    follower.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.failure().isPresent());
      String why = follower.failure().get();
      assertTrue(why.contains("stopped following emb") && why.contains("User:console")
          && why.contains("--operation READ --operation DESCRIBE --topic emb"), why);
      assertFalse(why.contains("pw-never-shown"), why);
    } finally {
      follower.close();
    }
  }

  @Test
  void skipsAndCountsARecordThatIsNotAnEmbedding() {
    MockConsumer<byte[], byte[]> consumer = twoPartitions(0);
    EmbeddingFollower follower = new EmbeddingFollower(TOPIC, 10, consumer, IDS, () -> { });
    follower.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.assignment().size() == 2);
      consumer.addRecord(record(P0, 0, "bad"));
      consumer.addRecord(record(P0, 1, "good"));
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.indexed() == 1);
      assertEquals(1, follower.skipped());
      assertTrue(follower.index().contains("good"));
    } finally {
      follower.close();
    }
  }

  @Test
  void readsCommittedWithoutAGroup() {
    AppConfig cfg = AppConfig.defaults("broker:9092", "http://registry:8081");
    Properties p = EmbeddingFollower.consumerProperties(cfg);
    assertEquals("read_committed", p.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
    assertFalse(p.containsKey(ConsumerConfig.GROUP_ID_CONFIG), "joins no group: the app never rebalances for it");
    assertEquals("false", p.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
  }
}
