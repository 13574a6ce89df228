package dev.anyup.streams.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.retrieval.EmbeddingIndex.Filter;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embeddings topic into the store and the index (TopologyTestDriver, mock registry). */
class RetrievalTopologyTest {
  private static final String TOPIC = "features.embeddings";
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path stateDir;
  private final String registry = "mock://retrieval-test-" + UUID.randomUUID();
  private final EmbeddingIndex index = new EmbeddingIndex();
  private final AtomicLong refused = new AtomicLong();
  private SpecificAvroSerde<ImageEmbedding> serde;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;

  @BeforeEach
  void start() {
    serde = new SpecificAvroSerde<>(ImageEmbedding.class);
    serde.configure(Map.of("schema.registry.url", registry), false);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "retrieval-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(RetrievalTopology.build(TOPIC, serde, index, refused), p);
    input = driver.createInputTopic(TOPIC, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
    serde.close();
  }

  private void pipe(ImageEmbedding e) {
    input.pipeInput(e.getSourceId().getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(TOPIC, e));
  }

  @Test
  void everyImageOfASourceIsStoredAndSearchable() {
    // the topic is keyed by source id: both images of cam-1 must stay, one entry per image id
    pipe(RetrievalTopologyTestData.embedding("a", "cam-1", T0, 1, 0, 0));
    pipe(RetrievalTopologyTestData.embedding("b", "cam-1", T0.plusSeconds(1), 0.9f, 0.1f, 0));
    pipe(RetrievalTopologyTestData.embedding("c", "cam-2", T0.plusSeconds(2), 0, 1, 0));
    KeyValueStore<String, byte[]> store = driver.getKeyValueStore(RetrievalTopology.STORE);
    assertEquals(3, store.approximateNumEntries());
    List<EmbeddingIndex.Neighbour> got = index.similarTo("a", 3, Filter.NONE).orElseThrow();
    assertEquals(List.of("a", "b", "c"), got.stream().map(EmbeddingIndex.Neighbour::imageId).toList());
    assertEquals(List.of("c"), index.similarTo("a", 3, new Filter("cam-2", null, null)).orElseThrow().stream()
        .map(EmbeddingIndex.Neighbour::imageId).toList());
  }

  @Test
  void theSameImageIdFromAnotherSourceIsStoredBesideTheFirst() {
    pipe(RetrievalTopologyTestData.embedding("img-1.jpg", "cam-a", T0, 1, 0));
    pipe(RetrievalTopologyTestData.embedding("img-1.jpg", "cam-b", T0.plusSeconds(1), 0, 1));
    assertEquals(2, index.size());
    KeyValueStore<String, byte[]> store = driver.getKeyValueStore(RetrievalTopology.STORE);
    assertEquals(2, store.approximateNumEntries());
    assertEquals("img-1.jpg", RetrievalTopology.imageIdOf(RetrievalTopology.storeKey("cam-a", "img-1.jpg")));
    assertEquals("img-1.jpg", RetrievalTopology.imageIdOf("img-1.jpg"), "a store key written before the source");
  }

  @Test
  void aReprocessedImageReplacesItsEntry() {
    pipe(RetrievalTopologyTestData.embedding("a", "cam-1", T0, 1, 0));
    pipe(RetrievalTopologyTestData.embedding("a", "cam-1", T0, 0, 1));
    assertEquals(1, index.size());
    assertEquals(1.0, index.nearest(new float[] {0, 1}, 1, Filter.NONE).get(0).score(), 1e-6);
  }

  @Test
  void anEmbeddingOfAnotherDimensionIsRefusedCountedAndNotStored() {
    pipe(RetrievalTopologyTestData.embedding("a", "cam-1", T0, 1, 0));
    pipe(RetrievalTopologyTestData.embedding("other-model", "cam-1", T0, 1, 0, 0));
    assertEquals(1, refused.get());
    assertEquals(1, index.size());
    KeyValueStore<String, byte[]> store = driver.getKeyValueStore(RetrievalTopology.STORE);
    assertEquals(null, store.get(RetrievalTopology.storeKey("cam-1", "other-model")));
  }

  @Test
  void storedValueKeepsSourceTimeAndVector() {
    pipe(RetrievalTopologyTestData.embedding("a", "cam-7", T0, 3, 4));
    byte[] stored = driver.<String, byte[]>getKeyValueStore(RetrievalTopology.STORE)
        .get(RetrievalTopology.storeKey("cam-7", "a"));
    assertTrue(java.util.Arrays.equals(RetrievalTopology.encode("cam-7", T0, new float[] {3, 4}), stored));
  }
}
