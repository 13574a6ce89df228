package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.anyup.streams.topology.AppConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10: a record that kills its stream thread kills every replacement too (each re-reads it), while Kafka Streams
 * stays RUNNING; {@code /ready} answered 200 throughout. Here a real Kafka Streams client on the real broker, with the
 * app's {@link StreamThreadWatch} and readiness rule behind the ops HTTP server, meets such a record.
 */
@ExtendWith(SharedStack.class)
class ReadinessIT {

  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  @Test
  void readyAnswers503WhileAStreamThreadIsDyingInALoop() throws Exception {
    run(Duration.ofSeconds(60), (topic, http, threads, producer, streams) -> {
      producer.send(new ProducerRecord<>(topic, "k", "poison")).get();
      await().atMost(Duration.ofSeconds(90)).until(() -> threads.replacements() >= 2);
      assertEquals(KafkaStreams.State.RUNNING, streams.state(), "Kafka Streams itself still says RUNNING");
      assertEquals(503, ItSupport.httpGet(http.port(), "/ready"));
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"), "liveness is about the process");
      String metrics = ItSupport.httpBody(http.port(), "/metrics");
      assertEquals(true, metrics.contains("anyup_stream_thread_replacements_total"), metrics);
    });
  }

  /**
   * Issue 10: {@code /ready} answered 200 while no partition made progress. A record that blocks its stream thread
   * leaves its partition with waiting records and no commit: 503 after {@code readiness.progress.timeout.ms}, with the
   * partition named; once it moves on, 200 again, and staying idle on an empty input longer than the timeout is ready.
   */
  @Test
  void readyAnswers503WhileAnOwnedPartitionMakesNoCommittedProgressAnd200WhenIdle() throws Exception {
    run(Duration.ofSeconds(3), (topic, http, threads, producer, streams) -> {
      producer.send(new ProducerRecord<>(topic, "k", "fine")).get();
      await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.httpBody(http.port(), "/metrics")
          .matches("(?s).*anyup_input_committed_offset\\{partition=\"" + topic + "-0\"} 1\\.0.*"));
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
          .until(() -> ItSupport.httpGet(http.port(), "/ready") == 200);
      producer.send(new ProducerRecord<>(topic, "k", "stall")).get();
      producer.send(new ProducerRecord<>(topic, "k", "behind the stalled one")).get();
      await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.httpGet(http.port(), "/ready") == 503);
      String why = ItSupport.httpBody(http.port(), "/ready");
      assertTrue(why.startsWith("not ready: no committed progress on [" + topic + "-0 (2 records behind"), why);
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"), "liveness is about the process");
      RELEASE.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.httpGet(http.port(), "/ready") == 200);
    });
  }

  /** What a scenario does with the running client. */
  private interface Scenario {
    void run(String topic, OpsHttpServer http, StreamThreadWatch threads, KafkaProducer<String, String> producer,
        KafkaStreams streams) throws Exception;
  }

  /** A one-partition topic, a Kafka Streams client with the app's readiness wiring, then the scenario. */
  private static void run(Duration progressTimeout, Scenario scenario) throws Exception {
    LocalStack stack = SharedStack.stack();
    String topic = "readiness-" + UUID.randomUUID().toString().substring(0, 8);
    Properties admin = new Properties();
    admin.put("bootstrap.servers", stack.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    Topology topology = new Topology();
    topology.addSource("source", Serdes.String().deserializer(), Serdes.String().deserializer(), topic);
    topology.addProcessor("dies-on-poison", () -> new Processor<String, String, Void, Void>() {
      @Override
      public void process(Record<String, String> record) {
        if ("poison".equals(record.value())) {
          throw new IllegalStateException("this record kills every stream thread that reads it");
        }
        if ("stall".equals(record.value())) {
          try {
            RELEASE.await(2, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }, "source");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, topic + "-app");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // a dead thread's member leaves the group after the session timeout: keep the loop short (45 s by default)
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1500);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AppConfig.Readiness readiness = new AppConfig.Readiness(Duration.ofMinutes(2), Duration.ofSeconds(30),
        progressTimeout);
    StreamThreadWatch threads = new StreamThreadWatch(registry, readiness.threadDeathWindow(), System::nanoTime,
        () -> { });
    KafkaStreams streams = new KafkaStreams(topology, p);
    streams.setUncaughtExceptionHandler(threads);
    CommittedProgress progress = new CommittedProgress(registry, progressTimeout, System.nanoTime());
    try (Admin a = Admin.create(admin);
        ProgressPoller poller = new ProgressPoller(streams, a, topic + "-app", topic, progress,
            java.util.Optional::empty)) {
      ReadinessProbe probe = new ReadinessProbe(streams::state, threads, progress, readiness, System::nanoTime,
          poller::logAssignment);
      streams.setStateListener(probe);
      try (OpsHttpServer http = OpsHttpServer.start(0, registry, probe::verdict);
          KafkaProducer<String, String> producer = new KafkaProducer<>(admin, Serdes.String().serializer(),
              Serdes.String().serializer())) {
        streams.start();
        poller.start(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(60)).until(() -> ItSupport.httpGet(http.port(), "/ready") == 200);
        scenario.run(topic, http, threads, producer, streams);
      }
    } finally {
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(10)));
    }
  }
}
