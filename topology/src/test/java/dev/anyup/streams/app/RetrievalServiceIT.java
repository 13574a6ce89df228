package dev.anyup.streams.app;

import static dev.anyup.streams.retrieval.RetrievalTopologyTestData.embedding;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

/** {@code serve}'s service on the real broker and registry: index, query over HTTP, restart from the state store. */
@ExtendWith(SharedStack.class)
class RetrievalServiceIT {
  @TempDir Path stateDir;

  @Test
  void indexesTheEmbeddingsTopicAnswersQueriesAndKeepsTheIndexAcrossARestart() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "retrieval-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("streams.state.dir", stateDir.toString()));
    stack.kafka().createTopic(cfg.topics().embeddings(), 2, Map.of());
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    List<ImageEmbedding> sent = new ArrayList<>();
    sent.add(embedding("a", "cam-1", t0, 1, 0, 0));
    sent.add(embedding("b", "cam-1", t0.plusSeconds(1), 1, 1, 0));
    sent.add(embedding("c", "cam-2", t0.plusSeconds(2), 0, 0, 1));
    try (ItSupport.Client client = new ItSupport.Client(cfg);
        SpecificAvroSerde<ImageEmbedding> serde = client.serde(ImageEmbedding.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(cfg.producerProperties(),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ImageEmbedding e : sent) {
        byte[] key = e.getSourceId().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(cfg.topics().embeddings(), key,
            serde.serializer().serialize(cfg.topics().embeddings(), e))).get();
      }
    }
    RetrievalService.Settings settings = new RetrievalService.Settings(prefix + "retrieval", "127.0.0.1", 0);
    try (RetrievalService service = RetrievalService.start(cfg, settings)) {
      // the index can fill while Streams is still REBALANCING (a second assignment round); /ready waits for RUNNING
      await().atMost(Duration.ofSeconds(60)).until(() -> service.index().size() == 3
          && service.state() == KafkaStreams.State.RUNNING);
      assertEquals(200, ItSupport.httpGet(service.port(), "/ready"));
      JsonNode n = new ObjectMapper().readTree(ItSupport.httpBody(service.port(), "/api/similar?image=a&k=3"))
          .get("neighbours");
      assertEquals("a", n.get(0).get("image_id").asText(), "the image itself first");
      assertEquals("b", n.get(1).get("image_id").asText());
      assertEquals(Math.sqrt(0.5), n.get(1).get("score").asDouble(), 1e-6);
      // serve had no /metrics (issue 21): the index's own gauge and Kafka Streams' client metrics, in Prometheus text
      String metrics = ItSupport.httpBody(service.port(), "/metrics");
      assertTrue(metrics.contains("anyup_serve_index_embeddings 3.0"), metrics.lines().filter(
          l -> l.startsWith("anyup")).toList().toString());
      assertTrue(metrics.contains("kafka_stream_"), "Kafka Streams' own metrics are bound");
    }
    try (RetrievalService again = RetrievalService.start(cfg, settings)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> again.state() == KafkaStreams.State.RUNNING);
      assertEquals(3, again.index().size(), "loaded from the state store, with nothing new on the topic");
    }
  }
}
