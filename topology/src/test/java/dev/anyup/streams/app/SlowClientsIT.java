package dev.anyup.streams.app;

import static dev.anyup.streams.retrieval.RetrievalTopologyTestData.embedding;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.console.ConsoleServer;
import dev.anyup.streams.console.ConsoleView;
import dev.anyup.streams.http.HttpLimits;
import dev.anyup.streams.http.SlowClients;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three HTTP ports under slow clients (issue: two half-sent requests stalled the console and the ops port, four
 * stalled {@code serve}): 50 half-sent and 50 trickling connections held open against each port in turn, then against
 * all three at once (300), while the probes of the ops port and of {@code serve} and a real query on each of the three
 * ports answer within 1 s; the server closes them within its header timeout; the process's file
 * descriptors come back to their count before. Defaults throughout ({@link HttpLimits#defaults()}).
 */
@ExtendWith(SharedStack.class)
class SlowClientsIT {
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);
  private static final Duration HEADER_TIMEOUT = HttpLimits.defaults().headerTimeout();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path stateDir;

  @Test
  void opsConsoleAndServeAnswerWhile100SlowClientsHoldEachPortAndLetThemGo() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "slow-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    stack.kafka().createTopic(cfg.topics().embeddings(), 1, Map.of());
    try (ItSupport.Client c = new ItSupport.Client(cfg);
        SpecificAvroSerde<ImageEmbedding> serde = c.serde(ImageEmbedding.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(cfg.producerProperties(),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      ImageEmbedding e = embedding("a", "cam-1", Instant.parse("2026-03-01T10:00:00Z"), 1, 0, 0);
      producer.send(new ProducerRecord<>(cfg.topics().embeddings(), "cam-1".getBytes(StandardCharsets.UTF_8),
          serde.serializer().serialize(cfg.topics().embeddings(), e))).get();
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ConsoleView view = new ConsoleView(4, d -> new byte[] {1});
    try (OpsHttpServer ops = OpsHttpServer.start("127.0.0.1", 0, HttpLimits.defaults(), registry,
            () -> ReadinessProbe.Verdict.ready("fine"), () -> ReadinessProbe.Verdict.ready("ok"));
        ConsoleServer console = ConsoleServer.start("127.0.0.1", 0, view, new SimpleMeterRegistry(), null);
        RetrievalService serve = RetrievalService.start(cfg, new RetrievalService.Settings(prefix + "retrieval",
            "127.0.0.1", 0, null, Duration.ofSeconds(2), stateDir))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> serve.index().size() == 1
          && serve.state() == KafkaStreams.State.RUNNING);
      Map<String, Integer> ports = new java.util.LinkedHashMap<>();
      ports.put("ops", ops.port());
      ports.put("console", console.port());
      ports.put("serve", serve.port());
      // the probes of both ports that have them, and one real query on each port
      List<Map.Entry<String, String>> queries = List.of(Map.entry("ops", "/health"), Map.entry("ops", "/ready"),
          Map.entry("ops", "/metrics"), Map.entry("console", "/api/status"), Map.entry("console", "/api/recent"),
          Map.entry("serve", "/health"), Map.entry("serve", "/ready"),
          Map.entry("serve", "/api/similar?image=a&k=1"));
      for (Map.Entry<String, String> q : queries) {
        answersWithin(ports.get(q.getKey()), q.getValue()); // warm: the first request on a port loads classes
      }
      // one port abused at a time, then all three at once; every query on every port answers each time
      for (String port : ports.keySet()) {
        holdsUnderSlowClients(List.of(port), ports, queries);
      }
      holdsUnderSlowClients(List.copyOf(ports.keySet()), ports, queries);
    } finally {
      view.close();
    }
  }

  private void holdsUnderSlowClients(List<String> abused, Map<String, Integer> ports,
      List<Map.Entry<String, String>> queries) throws Exception {
    long fdsBefore = SlowClients.openFileDescriptors();
    List<SlowClients> slow = new java.util.ArrayList<>();
    try {
      for (String port : abused) {
        slow.add(new SlowClients(ports.get(port), 50, 50, Duration.ofSeconds(20)));
      }
      long slowest = 0;
      for (int round = 0; round < 3; round++) {
        for (Map.Entry<String, String> q : queries) {
          long ms = answersWithin(ports.get(q.getKey()), q.getValue());
          assertTrue(ms < ANSWER_WITHIN.toMillis(), q + " answered in " + ms + " ms with " + abused + " abused");
          slowest = Math.max(slowest, ms);
        }
      }
      for (int i = 0; i < slow.size(); i++) {
        assertEquals(100, slow.get(i).open(),
            abused.get(i) + ": the slow connections were all open while the queries ran");
      }
      System.out.printf("%s under 50 half-sent + 50 trickling connections each: %d queries on the three ports "
          + "(probes + a real query each) answered 3 times, slowest %d ms%n", abused, queries.size(), slowest);
      for (int i = 0; i < slow.size(); i++) {
        Duration closed = slow.get(i).awaitAllClosed();
        System.out.printf("%s: each of its 100 slow connections closed by the server within %d ms of its connect "
            + "(header timeout %d ms)%n",
            abused.get(i), closed.toMillis(), HEADER_TIMEOUT.toMillis());
        assertTrue(closed.compareTo(HEADER_TIMEOUT.plusMillis(1_500)) < 0,
            abused.get(i) + ": the last slow connection was closed after " + closed + ", past the header timeout");
      }
    } finally {
      for (SlowClients s : slow) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> SlowClients.openFileDescriptors() <= fdsBefore);
    System.out.printf("%s: file descriptors %d before, %d after%n", abused, fdsBefore,
        SlowClients.openFileDescriptors());
  }

  private long answersWithin(int port, String path) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), path + ": " + new String(r.body(), StandardCharsets.UTF_8));
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
