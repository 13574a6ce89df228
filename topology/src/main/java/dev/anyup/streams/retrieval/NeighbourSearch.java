package dev.anyup.streams.retrieval;

import dev.anyup.streams.retrieval.EmbeddingIndex.Filter;
import dev.anyup.streams.retrieval.EmbeddingIndex.Neighbour;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Where {@link SimilarityApi} finds neighbours: one local index ({@link #local}), or every instance of a {@code serve}
 * group ({@link ClusterSearch}). Each answer says which partitions of the embeddings topic it could not cover, so the
 * API can refuse (503) rather than return a silently incomplete ranking.
 */
interface NeighbourSearch {

  /**
   * A stored vector looked up by image id.
   *
   * @param vector the vector, or empty when no answering instance has the image
   * @param missingPartitions partitions no instance answered for (empty: the lookup was complete)
   * @param problems why they are missing (an instance unreachable, a partition not assigned), for the message
   */
  record Lookup(Optional<float[]> vector, SortedSet<Integer> missingPartitions, List<String> problems) {}

  /**
   * A merged answer.
   *
   * @param neighbours best first (score descending, then image id), at most k
   * @param stored embeddings searched, over every answering instance
   * @param missingPartitions partitions no instance answered for (empty: the answer is exact over the whole topic)
   * @param problems why they are missing
   */
  record Answer(List<Neighbour> neighbours, long stored, SortedSet<Integer> missingPartitions,
      List<String> problems) {
    boolean complete() {
      return missingPartitions.isEmpty();
    }
  }

  Lookup vector(String imageId);

  Answer nearest(float[] query, int k, Filter filter);

  /** One index that holds everything its owner serves: every answer is complete. */
  static NeighbourSearch local(EmbeddingIndex index) {
    return new NeighbourSearch() {
      @Override
      public Lookup vector(String imageId) {
        return new Lookup(index.vector(imageId), new TreeSet<>(), List.of());
      }

      @Override
      public Answer nearest(float[] query, int k, Filter filter) {
        EmbeddingIndex.Search s = index.search(query, k, filter);
        return new Answer(s.neighbours(), s.stored(), new TreeSet<>(), List.of());
      }
    };
  }
}
