package dev.anyup.streams.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.retrieval.EmbeddingIndex.Filter;
import dev.anyup.streams.retrieval.EmbeddingIndex.Neighbour;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exact kNN: every answer checked against a brute-force ranking computed in double precision. */
public class EmbeddingIndexTest {
  private static final double TOLERANCE = 1e-5;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** A stored entry as the brute force sees it. */
  private record Entry(String id, String source, Instant time, float[] v) {}

  private static List<Entry> randomEntries(Random rnd, int n, int dim) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) rnd.nextGaussian();
      }
      out.add(new Entry("img-" + i, "cam-" + (i % 3), T0.plusSeconds(i), v));
    }
    return out;
  }

  private static EmbeddingIndex indexOf(List<Entry> entries) {
    EmbeddingIndex index = new EmbeddingIndex();
    entries.forEach(e -> index.put(e.id(), e.source(), e.time(), e.v()));
    return index;
  }

  /** Brute-force cosine in double precision: the reference the exact searches are checked against. */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  /** Brute force: every accepted entry scored in double, sorted best first. */
  private static List<Neighbour> bruteForce(List<Entry> entries, float[] q, int k, Filter f) {
    return entries.stream()
        .filter(e -> f.accepts(e.source(), e.time().toEpochMilli()))
        .map(e -> new Neighbour(e.id(), e.source(), e.time(), cosine(q, e.v())))
        .sorted(Comparator.comparingDouble(Neighbour::score).reversed())
        .limit(k)
        .toList();
  }

  private static void assertSameRanking(List<Neighbour> expected, List<Neighbour> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).score(), actual.get(i).score(), TOLERANCE, "score at rank " + i);
      // ids may swap only between scores equal within float rounding
      if (i + 1 >= expected.size() || expected.get(i).score() - expected.get(i + 1).score() > TOLERANCE) {
        if (i == 0 || expected.get(i - 1).score() - expected.get(i).score() > TOLERANCE) {
          assertEquals(expected.get(i).imageId(), actual.get(i).imageId(), "image at rank " + i);
        }
      }
    }
  }

  @Test
  void nearestMatchesBruteForceForRandomQueries() {
    Random rnd = new Random(11);
    List<Entry> entries = randomEntries(rnd, 3000, 64);
    EmbeddingIndex index = indexOf(entries);
    for (int q = 0; q < 25; q++) {
      float[] query = randomEntries(rnd, 1, 64).get(0).v();
      for (int k : new int[] {1, 10, 100}) {
        assertSameRanking(bruteForce(entries, query, k, Filter.NONE), index.nearest(query, k, Filter.NONE));
      }
    }
  }

  @Test
  void filtersBySourceAndTimeRangeMatchBruteForce() {
    Random rnd = new Random(12);
    List<Entry> entries = randomEntries(rnd, 2000, 32);
    EmbeddingIndex index = indexOf(entries);
    List<Filter> filters = List.of(new Filter("cam-1", null, null),
        new Filter(null, T0.plusSeconds(500), T0.plusSeconds(700)),
        new Filter("cam-2", T0.plusSeconds(100), null),
        new Filter("cam-0", null, T0.plusSeconds(30)),
        new Filter("no-such-camera", null, null));
    for (Filter f : filters) {
      float[] query = randomEntries(rnd, 1, 32).get(0).v();
      List<Neighbour> got = index.nearest(query, 20, f);
      assertSameRanking(bruteForce(entries, query, 20, f), got);
      got.forEach(n -> assertTrue(f.accepts(n.sourceId(), n.captureTime().toEpochMilli()), n + " passes " + f));
    }
  }

  @Test
  void similarToAStoredImageReturnsItselfFirstWithScoreOne() {
    List<Entry> entries = randomEntries(new Random(13), 500, 384);
    EmbeddingIndex index = indexOf(entries);
    Entry e = entries.get(123);
    List<Neighbour> got = index.similarTo(e.id(), 5, Filter.NONE).orElseThrow();
    assertEquals(e.id(), got.get(0).imageId());
    assertEquals(1.0, got.get(0).score(), TOLERANCE);
    assertEquals(e.source(), got.get(0).sourceId());
    assertEquals(e.time(), got.get(0).captureTime());
    assertSameRanking(bruteForce(entries, e.v(), 5, Filter.NONE), got);
  }

  @Test
  void unknownImageHasNoNeighbours() {
    assertTrue(indexOf(randomEntries(new Random(14), 10, 8)).similarTo("nope", 3, Filter.NONE).isEmpty());
  }

  @Test
  void fewerStoredThanK_returnsAllBestFirst() {
    List<Entry> entries = randomEntries(new Random(15), 7, 8);
    float[] q = entries.get(0).v();
    assertSameRanking(bruteForce(entries, q, 7, Filter.NONE), indexOf(entries).nearest(q, 50, Filter.NONE));
  }

  @Test
  void putOfAKnownImageReplacesItsVectorAndRemoveDeletesIt() {
    Random rnd = new Random(16);
    List<Entry> entries = new ArrayList<>(randomEntries(rnd, 200, 16));
    EmbeddingIndex index = indexOf(entries);
    Entry replaced = new Entry("img-5", "cam-2", T0, randomEntries(rnd, 1, 16).get(0).v());
    index.put(replaced.id(), replaced.source(), replaced.time(), replaced.v());
    entries.set(5, replaced);
    assertTrue(index.remove("img-17"));
    assertFalse(index.remove("img-17"));
    entries.remove(17);
    assertEquals(199, index.size());
    for (Entry e : List.of(entries.get(0), replaced, entries.get(150))) {
      assertSameRanking(bruteForce(entries, e.v(), 199, Filter.NONE), index.nearest(e.v(), 199, Filter.NONE));
    }
    assertEquals(T0, index.similarTo("img-5", 1, Filter.NONE).orElseThrow().get(0).captureTime());
  }

  @Test
  void theSameImageIdFromTwoSourcesIsTwoEntries() {
    // produce names images by file name: one folder published as two cameras gives every id twice
    EmbeddingIndex index = new EmbeddingIndex();
    index.put("img-1.jpg", "cam-a", T0, new float[] {1, 0});
    index.put("img-1.jpg", "cam-b", T0.plusSeconds(1), new float[] {0, 1});
    assertEquals(2, index.size(), "the second source does not replace the first");
    assertTrue(index.contains("cam-a", "img-1.jpg") && index.contains("cam-b", "img-1.jpg"));
    assertEquals(1f, index.vector("cam-a", "img-1.jpg").orElseThrow()[0], 1e-6);
    assertEquals(1f, index.vector("img-1.jpg").orElseThrow()[1], 1e-6, "by id alone: the newest capture");
    List<Neighbour> got = index.nearest(new float[] {1, 1}, 5, Filter.NONE);
    assertEquals(List.of("cam-a", "cam-b"), got.stream().map(Neighbour::sourceId).sorted().toList());
    assertTrue(index.remove("cam-b", "img-1.jpg"));
    assertEquals(1, index.size());
    assertEquals("cam-a", index.similarTo("img-1.jpg", 1, Filter.NONE).orElseThrow().get(0).sourceId());
  }

  @Test
  void emptiedIndexAcceptsAnotherDimension() {
    EmbeddingIndex index = new EmbeddingIndex();
    index.put("a", "s", T0, new float[] {1, 0});
    index.remove("a");
    index.put("b", "s", T0, new float[] {0, 0, 1});
    assertEquals("b", index.nearest(new float[] {0, 0, 2}, 1, Filter.NONE).get(0).imageId());
  }

  @Test
  void put_otherDimension() {
    EmbeddingIndex index = new EmbeddingIndex();
    index.put("a", "s", T0, new float[] {1, 0});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> index.put("b", "s", T0, new float[] {1, 0, 0}));
    assertEquals("image b has a 3-dimensional embedding but the index holds 2-dimensional ones (another model?)",
        e.getMessage());
  }

  @Test
  void put_allZeroVector() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingIndex().put("z", "s", T0, new float[4]));
    assertEquals("image z has an all-zero embedding (no direction)", e.getMessage());
  }

  @Test
  void put_nonFiniteValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingIndex().put("n", "s", T0, new float[] {1, Float.NaN}));
    assertEquals("image n has a non-finite embedding value NaN", e.getMessage());
  }

  @Test
  void nearest_kNotPositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingIndex().nearest(new float[] {1}, 0, Filter.NONE));
    assertEquals("k must be at least 1 but was 0", e.getMessage());
  }

  @Test
  void filter_emptyTimeRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Filter(null, T0, T0));
    assertEquals("time range is empty: from " + T0 + " is not before to " + T0, e.getMessage());
  }

  @Test
  void removePartitionDropsExactlyItsEntriesAndItsLoadedMark() {
    Random rnd = new Random(3);
    List<Entry> entries = randomEntries(rnd, 60, 8);
    EmbeddingIndex index = new EmbeddingIndex();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      index.put(e.id(), e.source(), e.time(), e.v(), i % 3);
    }
    index.markLoaded(0);
    index.markLoaded(1);
    index.markLoaded(2);
    assertEquals(20, index.removePartition(1));
    assertEquals(java.util.Set.of(0, 2), index.loadedPartitions());
    List<Entry> kept = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (i % 3 != 1) {
        kept.add(entries.get(i));
      }
    }
    float[] q = entries.get(4).v();
    EmbeddingIndex.Search s = index.search(q, 7, Filter.NONE);
    assertEquals(java.util.Set.of(0, 2), s.partitions(), "an answer names the partitions it searched");
    assertEquals(40, s.stored());
    assertSameRanking(bruteForce(kept, q, 7, Filter.NONE), s.neighbours());
    assertFalse(index.find(entries.get(1).id()).vector().isPresent());
    assertEquals(java.util.Set.of(0, 2), index.find(entries.get(1).id()).partitions());
  }
}
