package dev.anyup.streams.app;

import static dev.anyup.streams.retrieval.RetrievalTopologyTestData.embedding;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
 * {@code serve}'s default state directory is specific to its application id and the cluster (issue: a {@code serve}
 * started against a fresh broker answered with embeddings from an earlier run, restored from the shared
 * {@code /tmp/kafka-streams/<application id>}).
 */
@ExtendWith(SharedStack.class)
class ServeStateDirIT {
  @TempDir Path tmp;

  @Test
  void serveOnANewClusterStartsWithAnEmptyIndex() throws Exception {
    String oldTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.toString()); // the default state directory lives under it
    try {
      LocalStack stack = SharedStack.stack();
      String prefix = "statedir-" + UUID.randomUUID().toString().substring(0, 8) + ".";
      AppConfig first = ItSupport.config(stack, prefix, Map.of());
      stack.kafka().createTopic(first.topics().embeddings(), 1, Map.of());
      try (ItSupport.Client c = new ItSupport.Client(first);
          SpecificAvroSerde<ImageEmbedding> serde = c.serde(ImageEmbedding.class);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(first.producerProperties(),
              new ByteArraySerializer(), new ByteArraySerializer())) {
        ImageEmbedding e = embedding("a", "cam-1", Instant.parse("2026-03-01T10:00:00Z"), 1, 0, 0);
        producer.send(new ProducerRecord<>(first.topics().embeddings(), "cam-1".getBytes(StandardCharsets.UTF_8),
            serde.serializer().serialize(first.topics().embeddings(), e))).get();
      }
      // the default settings: no state directory given
      RetrievalService.Settings settings = new RetrievalService.Settings(prefix + "retrieval", "127.0.0.1", 0);
      Path firstDir;
      try (RetrievalService serve = RetrievalService.start(first, settings)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> serve.index().size() == 1
            && serve.state() == KafkaStreams.State.RUNNING);
        firstDir = serve.stateDir();
      }
      try (LocalKafkaCluster fresh = LocalKafkaCluster.start()) {
        AppConfig second = AppConfig.fromMap(withBootstrap(first, fresh.bootstrapServers()));
        fresh.createTopic(second.topics().embeddings(), 1, Map.of());
        try (RetrievalService serve = RetrievalService.start(second, settings)) {
          await().atMost(Duration.ofSeconds(60)).until(() -> serve.state() == KafkaStreams.State.RUNNING);
          assertNotEquals(firstDir, serve.stateDir(), "another cluster, another state directory");
          assertEquals(0, serve.index().size(), "nothing from the first cluster's run");
        }
      }
    } finally {
      System.setProperty("java.io.tmpdir", oldTmp);
    }
  }

  private static Map<String, String> withBootstrap(AppConfig cfg, String bootstrap) {
    Map<String, String> m = new HashMap<>();
    m.put("application.id", cfg.applicationId());
    m.put("bootstrap.servers", bootstrap);
    m.put("schema.registry.url", cfg.schemaRegistryUrl());
    m.put("topics.embeddings", cfg.topics().embeddings());
    m.put("topics.replication", "1");
    m.put("streams.replication.factor", "1");
    m.put("streams.commit.interval.ms", "200");
    return m;
  }
}
