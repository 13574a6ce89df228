package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalKafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ExpiredTransactionFencer} on a real broker: an abandoned transaction of the application's transactional-id
 * prefix (a producer that opened it and went silent, as a SIGKILLed instance's does) stops holding back
 * {@code read_committed} readers shortly after its own timeout; a transaction under its timeout and one with a longer
 * own timeout are left alone and commit. The broker here checks for timed-out transactions only every 60 s
 * ({@code transaction.abort.timed.out.transaction.cleanup.interval.ms}; Kafka's default is 10 s), so nothing but the
 * fencer can end the abandoned transaction within the test: without it, the reader waits until the broker's first
 * check, about a minute after the broker started.
 */
class ExpiredTransactionFencerIT {
  private static final String APP = "fence-it-app";
  private static final String TOPIC = "fence-it-out";
  private static final long TIMEOUT_MS = 4_000;
  private static final long BROKER_CHECK_MS = 60_000;
  private static LocalKafkaCluster kafka;
  private static long brokerStartedNanos;

  @BeforeAll
  static void startBroker() {
    kafka = LocalKafkaCluster.builder()
        .optBrokerConfig("transaction.abort.timed.out.transaction.cleanup.interval.ms", Long.toString(BROKER_CHECK_MS))
        .start();
    brokerStartedNanos = System.nanoTime();
    kafka.createTopic(TOPIC, 3, Map.of());
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void abortsAnAbandonedTransactionAfterItsTimeoutAndLeavesLiveOnesAlone() throws Exception {
    try (Admin admin = Admin.create(kafka.clientConfig());
        ExpiredTransactionFencer fencer = ExpiredTransactionFencer.of(APP, Duration.ofMillis(TIMEOUT_MS), admin);
        KafkaProducer<String, String> abandoned = transactional(APP + "-dead-process-1", TIMEOUT_MS);
        KafkaProducer<String, String> longTimeout = transactional(APP + "-long-timeout-1", 60_000);
        KafkaProducer<String, String> plain = plain();
        KafkaConsumer<String, String> reader = readCommitted()) {
      // partition 1: a transaction with a longer own timeout than the app's, open through the whole sweep window
      longTimeout.beginTransaction();
      longTimeout.send(new ProducerRecord<>(TOPIC, 1, "k", "long-1")).get();

      // partition 0: the abandoned transaction, then a plain record that read_committed readers see only once the
      // transaction before it is ended
      abandoned.beginTransaction();
      long openedNanos = System.nanoTime();
      abandoned.send(new ProducerRecord<>(TOPIC, 0, "k", "abandoned")).get();
      plain.send(new ProducerRecord<>(TOPIC, 0, "k", "after")).get();
      fencer.start();
      fencer.onChange(State.REBALANCING, State.RUNNING); // the survivors' rebalance after the death

      reader.assign(List.of(new TopicPartition(TOPIC, 0)));
      reader.seekToBeginning(reader.assignment());
      List<String> seen = new ArrayList<>();
      long deadline = openedNanos + Duration.ofMillis(TIMEOUT_MS + 30_000).toNanos();
      while (!seen.contains("after") && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(100))) {
          seen.add(r.value());
        }
      }
      long visibleMs = (System.nanoTime() - openedNanos) / 1_000_000;
      long sinceBrokerStartMs = (System.nanoTime() - brokerStartedNanos) / 1_000_000;
      System.out.printf("ExpiredTransactionFencerIT: abandoned transaction (timeout %d ms) no longer holds back "
          + "read_committed readers %d ms after it opened (broker's own check every %d ms, %d ms since the broker "
          + "started); %d sweeps%n", TIMEOUT_MS, visibleMs, BROKER_CHECK_MS, sinceBrokerStartMs, fencer.sweeps());
      assertEquals(List.of("after"), seen, "the plain record, visible; the abandoned one never");
      // the readers see the abort markers before the coordinator completes the fence call that wrote them
      await(() -> fencer.fenced() >= 1, Duration.ofSeconds(10), "the fencer's call returns");
      assertEquals(1, fencer.fenced(), "the fencer, not the broker's check, ended it");
      assertTrue(sinceBrokerStartMs < BROKER_CHECK_MS, "the broker's own check cannot have run yet: "
          + sinceBrokerStartMs + " ms since it started");
      // not before its timeout plus the margin (the broker's age of it is at most ours); well before the 10 s more
      // that Kafka's default check interval can add
      assertTrue(visibleMs >= TIMEOUT_MS + ExpiredTransactionFencer.MARGIN.toMillis(),
          "aborted before its timeout: " + visibleMs + " ms");
      assertTrue(visibleMs < TIMEOUT_MS + 10_000, "still open " + visibleMs + " ms after it began");
      // the abandoned producer was fenced: its epoch is gone
      assertThrows(KafkaException.class, abandoned::commitTransaction);

      // partition 2: a transaction with the app's timeout, opened now, still under its timeout while the fencer
      // sweeps twice more (another rebalance opens another window); it commits
      try (KafkaProducer<String, String> live = transactional(APP + "-live-process-1", TIMEOUT_MS)) {
        live.beginTransaction();
        live.send(new ProducerRecord<>(TOPIC, 2, "k", "live-1")).get();
        long sweeps = fencer.sweeps();
        fencer.onChange(State.REBALANCING, State.RUNNING);
        await(() -> fencer.sweeps() >= sweeps + 2, Duration.ofSeconds(10), "two more sweeps");
        live.send(new ProducerRecord<>(TOPIC, 2, "k", "live-2")).get();
        live.commitTransaction();
      }
      longTimeout.send(new ProducerRecord<>(TOPIC, 1, "k", "long-2")).get();
      longTimeout.commitTransaction();
      assertEquals(1, fencer.fenced(), "nothing else fenced");

      reader.assign(List.of(new TopicPartition(TOPIC, 1), new TopicPartition(TOPIC, 2)));
      reader.seekToBeginning(reader.assignment());
      List<String> committed = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (committed.size() < 4 && System.nanoTime() < until) {
        reader.poll(Duration.ofMillis(100)).forEach(r -> committed.add(r.value()));
      }
      committed.sort(String::compareTo);
      assertEquals(List.of("live-1", "live-2", "long-1", "long-2"), committed);
    }
  }

  private static KafkaProducer<String, String> transactional(String id, long timeoutMs) {
    Properties p = new Properties();
    p.putAll(kafka.clientConfig());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(timeoutMs));
    KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    producer.initTransactions();
    return producer;
  }

  private static KafkaProducer<String, String> plain() {
    Properties p = new Properties();
    p.putAll(kafka.clientConfig());
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> readCommitted() {
    Properties p = new Properties();
    p.putAll(kafka.clientConfig());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(50);
    }
  }
}
