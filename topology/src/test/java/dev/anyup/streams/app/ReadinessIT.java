package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.app.local.LocalStack;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
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

  @Test
  void readyAnswers503WhileAStreamThreadIsDyingInALoop() throws Exception {
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
    StreamThreadWatch threads = new StreamThreadWatch(registry, Duration.ofMinutes(2), System::nanoTime, () -> { });
    KafkaStreams streams = new KafkaStreams(topology, p);
    streams.setUncaughtExceptionHandler(threads);
    try (OpsHttpServer http = OpsHttpServer.start(0, registry, () -> AnyupApp.ready(streams, threads));
        KafkaProducer<String, String> producer = new KafkaProducer<>(admin, Serdes.String().serializer(),
            Serdes.String().serializer())) {
      streams.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> ItSupport.httpGet(http.port(), "/ready") == 200);

      producer.send(new ProducerRecord<>(topic, "k", "poison")).get();
      await().atMost(Duration.ofSeconds(90)).until(() -> threads.replacements() >= 2);
      assertEquals(KafkaStreams.State.RUNNING, streams.state(), "Kafka Streams itself still says RUNNING");
      assertEquals(503, ItSupport.httpGet(http.port(), "/ready"));
      assertEquals(200, ItSupport.httpGet(http.port(), "/health"), "liveness is about the process");
      String metrics = ItSupport.httpBody(http.port(), "/metrics");
      assertEquals(true, metrics.contains("anyup_stream_thread_replacements_total"), metrics);
    } finally {
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(10)));
    }
  }
}
