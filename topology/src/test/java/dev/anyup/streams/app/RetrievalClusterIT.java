package dev.anyup.streams.app;

import dev.anyup.streams.retrieval.EmbeddingIndexTest;
import static dev.anyup.streams.retrieval.RetrievalTopologyTestData.embedding;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.retrieval.RetrievalService;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code serve} instances with one application id over a 4-partition embeddings topic (Kafka Streams
 * interactive queries): each instance holds only its partitions, every query on either instance equals a brute force
 * over every embedding, and an instance the others cannot reach turns answers into a 503 naming its partitions (or,
 * with {@code partial=true}, a 200 marked incomplete that is exact over the partitions that answered), never a silently
 * incomplete ranking; once it leaves, answers are complete again.
 */
@ExtendWith(SharedStack.class)
class RetrievalClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int PARTITIONS = 4;
  private static final int IMAGES = 48;
  private static final int DIM = 16;
  private static final int K = 5;
  private static final double TOLERANCE = 1e-5;

  @TempDir Path stateA;
  @TempDir Path stateB;
  @TempDir Path stateC;

  /** An embedding as the brute force sees it, with the partition it was written to. */
  private record Stored(String id, String source, Instant time, float[] v, int partition) {}

  @Test
  void everyInstanceAnswersLikeBruteForceAndAnUnreachableOneIsA503NamingItsPartitions() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "cluster-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    stack.kafka().createTopic(cfg.topics().embeddings(), PARTITIONS, Map.of());
    List<Stored> all = produce(cfg);
    assertEquals(PARTITIONS, all.stream().map(Stored::partition).distinct().count(), "data on every partition");

    String appId = prefix + "retrieval";
    try (RetrievalService a = RetrievalService.start(stateDir(stack, prefix, stateA),
            new RetrievalService.Settings(appId, "127.0.0.1", 0));
        RetrievalService b = RetrievalService.start(stateDir(stack, prefix, stateB),
            new RetrievalService.Settings(appId, "127.0.0.1", 0))) {
      await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING
          && b.state() == KafkaStreams.State.RUNNING && !a.index().loadedPartitions().isEmpty()
          && !b.index().loadedPartitions().isEmpty() && union(a, b).size() == PARTITIONS
          && a.index().size() + b.index().size() == IMAGES);
      assertTrue(a.index().size() < IMAGES && b.index().size() < IMAGES, "each instance holds only its partitions");

      // every image, asked alternately on either instance: the merged answer is the brute force over all 48
      for (int i = 0; i < IMAGES; i++) {
        Stored q = all.get(i);
        JsonNode r = ok((i % 2 == 0 ? a : b).port(), "/api/similar?image=" + q.id() + "&k=" + K);
        assertTrue(r.get("complete").asBoolean());
        assertEquals(IMAGES, r.get("stored").asInt());
        assertEquals(q.id(), r.get("neighbours").get(0).get("image_id").asText(), "the image itself first");
        assertRanking(bruteForce(all, q.v(), x -> true), r.get("neighbours"));
      }
      Stored q = all.get(7);
      JsonNode filtered = ok(b.port(), "/api/similar?image=" + q.id() + "&k=" + K + "&source=cam-3&from="
          + all.get(10).time().toEpochMilli());
      assertRanking(bruteForce(all, q.v(), s -> s.source().equals("cam-3") && !s.time().isBefore(all.get(10).time())),
          filtered.get("neighbours"));

      // a third member whose advertised address nobody can reach (127.0.0.2: it listens on 127.0.0.1 only)
      RetrievalService c = RetrievalService.start(stateDir(stack, prefix, stateC), new RetrievalService.Settings(
          appId, "127.0.0.1", 0, "127.0.0.2", Duration.ofSeconds(1)));
      Set<Integer> cPartitions;
      try {
        // while it joins, each answer is complete and exact or a 503, until it holds partitions: then 503
        await().atMost(Duration.ofSeconds(90)).until(() -> completeAndExactOr503(a.port(), all) == 503
            && c.state() == KafkaStreams.State.RUNNING && !c.index().loadedPartitions().isEmpty()
            && a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING);
        cPartitions = c.index().loadedPartitions();
        HttpResponse<String> refused = get(a.port(), "/api/similar?image=" + q.id() + "&k=" + K);
        assertEquals(503, refused.statusCode(), refused.body());
        JsonNode why = JSON.readTree(refused.body());
        assertEquals(new TreeSet<>(cPartitions), ints(why.get("missing_partitions")));
        assertTrue(why.get("error").asText().contains("127.0.0.2:" + c.port()), why.get("error").asText());

        // partial=true: a 200 marked incomplete, exact over the partitions that answered
        Stored local = all.stream().filter(s -> !cPartitions.contains(s.partition())).findFirst().orElseThrow();
        JsonNode partial = ok(a.port(), "/api/similar?image=" + local.id() + "&k=" + K + "&partial=true");
        assertFalse(partial.get("complete").asBoolean());
        assertEquals(new TreeSet<>(cPartitions), ints(partial.get("missing_partitions")));
        assertRanking(bruteForce(all, local.v(), s -> !cPartitions.contains(s.partition())),
            partial.get("neighbours"));
      } finally {
        c.close();
      }
      // it left the group: its partitions come back, each answer meanwhile is a 503 or complete and exact
      await().atMost(Duration.ofSeconds(90)).until(() -> completeAndExactOr503(a.port(), all) == 200
          && completeAndExactOr503(b.port(), all) == 200);
    }
  }

  /** Asks for a fixed image; a 200 must be complete and equal the brute force, anything else must be a 503. */
  private static int completeAndExactOr503(int port, List<Stored> all) throws Exception {
    Stored q = all.get(3);
    HttpResponse<String> r = get(port, "/api/similar?image=" + q.id() + "&k=" + K);
    if (r.statusCode() == 200) {
      JsonNode body = JSON.readTree(r.body());
      assertTrue(body.get("complete").asBoolean(), r.body());
      assertRanking(bruteForce(all, q.v(), x -> true), body.get("neighbours"));
    } else {
      assertEquals(503, r.statusCode(), r.body());
    }
    return r.statusCode();
  }

  private static AppConfig stateDir(LocalStack stack, String prefix, Path dir) {
    return ItSupport.config(stack, prefix, Map.of("streams.state.dir", dir.toString()));
  }

  private static Set<Integer> union(RetrievalService a, RetrievalService b) {
    Set<Integer> u = new HashSet<>(a.index().loadedPartitions());
    u.addAll(b.index().loadedPartitions());
    return u;
  }

  /** 48 random 16-d embeddings from 8 sources, keyed by source id as the app writes them; records their partition. */
  private static List<Stored> produce(AppConfig cfg) throws Exception {
    Random rnd = new Random(5);
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    List<Stored> out = new ArrayList<>();
    try (ItSupport.Client client = new ItSupport.Client(cfg);
        SpecificAvroSerde<ImageEmbedding> serde = client.serde(ImageEmbedding.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(cfg.producerProperties(),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < IMAGES; i++) {
        float[] v = new float[DIM];
        for (int j = 0; j < DIM; j++) {
          v[j] = (float) rnd.nextGaussian();
        }
        String source = "cam-" + (i % 8);
        Instant t = t0.plusSeconds(i);
        ImageEmbedding e = embedding("img-" + i, source, t, v);
        int partition = producer.send(new ProducerRecord<>(cfg.topics().embeddings(),
            source.getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(cfg.topics().embeddings(), e)))
            .get().partition();
        out.add(new Stored("img-" + i, source, t, v, partition));
      }
    }
    return out;
  }

  /** Brute force in double precision: (id, score) best first, at most K. */
  private static List<Map.Entry<String, Double>> bruteForce(List<Stored> all, float[] q, Predicate<Stored> keep) {
    Map<String, Double> scores = new HashMap<>();
    for (Stored s : all) {
      if (keep.test(s)) {
        scores.put(s.id(), EmbeddingIndexTest.cosine(q, s.v()));
      }
    }
    return scores.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
        .limit(K).toList();
  }

  private static void assertRanking(List<Map.Entry<String, Double>> expected, JsonNode actual) {
    assertEquals(expected.size(), actual.size(), "neighbours: " + actual);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).getKey(), actual.get(i).get("image_id").asText(), "image at rank " + i);
      assertEquals(expected.get(i).getValue(), actual.get(i).get("score").asDouble(), TOLERANCE, "score at rank " + i);
    }
  }

  private static TreeSet<Integer> ints(JsonNode array) {
    TreeSet<Integer> out = new TreeSet<>();
    array.forEach(n -> out.add(n.asInt()));
    return out;
  }

  private static JsonNode ok(int port, String path) throws Exception {
    HttpResponse<String> r = get(port, path);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
