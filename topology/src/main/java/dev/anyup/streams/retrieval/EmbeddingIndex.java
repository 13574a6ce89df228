package dev.anyup.streams.retrieval;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Exact cosine k-nearest-neighbour search over L2-normalised embedding vectors, one entry per (source id, image id).
 *
 * <p>Entries are keyed by the pair, not the image id alone: image ids are only unique within a source ({@code produce}
 * names images by file name, so publishing one folder as two sources gives each id twice), and keying by id alone made
 * the second source's embedding silently replace the first's. A lookup by image id alone ({@link #vector(String)})
 * takes the most recently captured entry of that id; {@link #vector(String, String)} names the source.
 *
 * <p>Vectors are re-normalised on insert (in float, so a query's score against itself is 1 within float rounding)
 * and kept in one contiguous {@code float[]}, so a query is a dot product per stored vector, streamed through the
 * cache, plus a size-k heap: O(n·d) time and no approximation. The benchmark ({@code RetrievalBenchmark},
 * BENCHMARKS.md) gives the latency at 10k and 100k vectors.
 *
 * <p>Thread-safe: queries share a read lock, writes take the write lock. Every vector has the dimension of the first
 * one stored; another dimension (a different model) is refused with an exception naming the image and both sizes.
 *
 * <p>Entries may carry the input partition they came from: with several {@code serve} instances each holds only the
 * partitions Kafka Streams assigned to it, and an answer must say which partitions it covers ({@link #search}), so a
 * caller merging the instances' answers can tell a complete answer from a partial one. A partition is
 * {@linkplain #markLoaded loaded} once its stored entries are in, and {@linkplain #removePartition removed} with its
 * entries in one step when its task leaves this instance.
 */
public final class EmbeddingIndex {

  /** One neighbour: the image, its source, its capture time and the cosine similarity to the query. */
  public record Neighbour(String imageId, String sourceId, Instant captureTime, double score) {}

  /**
   * Which stored images a query may return: only those of {@code sourceId} (null: any) captured in
   * {@code [from, to)} (null: unbounded).
   */
  public record Filter(String sourceId, Instant from, Instant to) {
    public static final Filter NONE = new Filter(null, null, null);

    public Filter {
      if (from != null && to != null && !from.isBefore(to)) {
        throw new IllegalArgumentException("time range is empty: from " + from + " is not before to " + to);
      }
    }

    boolean accepts(String source, long captureMillis) {
      return (sourceId == null || sourceId.equals(source))
          && (from == null || captureMillis >= from.toEpochMilli())
          && (to == null || captureMillis < to.toEpochMilli());
    }
  }

  /** A query's answer and the partitions that were loaded (so searched) when it ran. */
  public record Search(List<Neighbour> neighbours, Set<Integer> partitions, int stored) {}

  /** Entries that do not come from a partition (the console's own follower). */
  public static final int NO_PARTITION = -1;

  private static final Comparator<Hit> WORST_FIRST =
      Comparator.comparingDouble(Hit::score).thenComparing(Hit::id, Comparator.reverseOrder());

  private record Hit(String id, double score, int slot) {}

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** An entry's key: the image id is unique only within its source. */
  private record Key(String sourceId, String imageId) {}

  private final Map<Key, Integer> slotById = new HashMap<>();
  private int dimension;
  private int size;
  private float[] vectors = new float[0];
  private String[] ids = new String[0];
  private String[] sources = new String[0];
  private long[] captureMillis = new long[0];
  private int[] partitions = new int[0];
  private final Set<Integer> loaded = new TreeSet<>();

  /** Stores (or replaces) the vector of {@code imageId} of {@code sourceId}, from no particular partition. */
  public void put(String imageId, String sourceId, Instant captureTime, float[] vector) {
    put(imageId, sourceId, captureTime, vector, NO_PARTITION);
  }

  /** Stores (or replaces) the vector of {@code imageId} of {@code sourceId}, read from input partition {@code partition}. */
  public void put(String imageId, String sourceId, Instant captureTime, float[] vector, int partition) {
    Objects.requireNonNull(imageId, "image id must not be null");
    Objects.requireNonNull(captureTime, "capture time must not be null for image " + imageId);
    float[] unit = normalised(imageId, vector);
    lock.writeLock().lock();
    try {
      if (size == 0) {
        if (unit.length != dimension) {
          dimension = unit.length;
          vectors = new float[ids.length * dimension];
        }
      } else if (unit.length != dimension) {
        throw new IllegalArgumentException("image " + imageId + " has a " + unit.length
            + "-dimensional embedding but the index holds " + dimension + "-dimensional ones (another model?)");
      }
      Integer slot = slotById.get(new Key(sourceId, imageId));
      int s = slot != null ? slot : append(sourceId, imageId);
      System.arraycopy(unit, 0, vectors, s * dimension, dimension);
      sources[s] = sourceId;
      captureMillis[s] = captureTime.toEpochMilli();
      partitions[s] = partition;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Removes every entry of {@code imageId}, whatever its source; returns whether one was stored. */
  public boolean remove(String imageId) {
    lock.writeLock().lock();
    try {
      boolean any = false;
      for (int s = size - 1; s >= 0; s--) {
        if (ids[s].equals(imageId)) {
          removeSlot(s);
          any = true;
        }
      }
      return any;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Removes {@code imageId} of {@code sourceId}; returns whether it was stored. */
  public boolean remove(String sourceId, String imageId) {
    lock.writeLock().lock();
    try {
      Integer slot = slotById.get(new Key(sourceId, imageId));
      if (slot == null) {
        return false;
      }
      removeSlot(slot);
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void removeSlot(int slot) {
    slotById.remove(new Key(sources[slot], ids[slot]));
    int last = size - 1;
    if (slot != last) {
      System.arraycopy(vectors, last * dimension, vectors, slot * dimension, dimension);
      ids[slot] = ids[last];
      sources[slot] = sources[last];
      captureMillis[slot] = captureMillis[last];
      partitions[slot] = partitions[last];
      slotById.put(new Key(sources[slot], ids[slot]), slot);
    }
    ids[last] = null;
    sources[last] = null;
    size--;
  }

  /** Marks {@code partition} as loaded: its stored entries are in and answers cover it from now on. */
  public void markLoaded(int partition) {
    lock.writeLock().lock();
    try {
      loaded.add(partition);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Removes every entry of {@code partition} and its loaded mark, atomically (its task left this instance); returns
   * how many entries went.
   */
  public int removePartition(int partition) {
    lock.writeLock().lock();
    try {
      loaded.remove(partition);
      int removed = 0;
      for (int s = size - 1; s >= 0; s--) {
        if (partitions[s] == partition) {
          removeSlot(s);
          removed++;
        }
      }
      return removed;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The partitions whose entries are loaded now. */
  public Set<Integer> loadedPartitions() {
    lock.readLock().lock();
    try {
      return Set.copyOf(loaded);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether {@code imageId} is stored, from any source. */
  public boolean contains(String imageId) {
    lock.readLock().lock();
    try {
      return newestSlot(imageId) >= 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether {@code imageId} of {@code sourceId} is stored. */
  public boolean contains(String sourceId, String imageId) {
    lock.readLock().lock();
    try {
      return slotById.containsKey(new Key(sourceId, imageId));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The slot of the most recently captured entry of {@code imageId} (any source), or -1; call under a lock. */
  private int newestSlot(String imageId) {
    int best = -1;
    for (int s = 0; s < size; s++) {
      if (ids[s].equals(imageId) && (best < 0 || captureMillis[s] > captureMillis[best])) {
        best = s;
      }
    }
    return best;
  }

  /** How many images are stored. */
  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The stored (normalised) vector of {@code imageId}: of its most recently captured entry when several sources have it. */
  public Optional<float[]> vector(String imageId) {
    return vector(null, imageId);
  }

  /** The stored (normalised) vector of {@code imageId} of {@code sourceId} (null: any source, the newest capture). */
  public Optional<float[]> vector(String sourceId, String imageId) {
    lock.readLock().lock();
    try {
      int slot = sourceId != null ? slotById.getOrDefault(new Key(sourceId, imageId), -1) : newestSlot(imageId);
      return slot < 0 ? Optional.empty()
          : Optional.of(Arrays.copyOfRange(vectors, slot * dimension, (slot + 1) * dimension));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A vector looked up by id, with the partitions loaded at that moment (read under one lock). */
  public record Found(Optional<float[]> vector, Set<Integer> partitions) {}

  /** The stored vector of {@code imageId} and the partitions loaded when it was looked up. */
  public Found find(String imageId) {
    lock.readLock().lock();
    try {
      return new Found(vector(imageId), Set.copyOf(loaded));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The {@code k} stored images most similar to stored image {@code imageId} (itself first), or empty if unknown. */
  public Optional<List<Neighbour>> similarTo(String imageId, int k, Filter filter) {
    return vector(imageId).map(v -> nearest(v, k, filter));
  }

  /**
   * The {@code k} stored images with the highest cosine similarity to {@code query} that pass {@code filter}, best
   * first; equal scores in image id order. Fewer when fewer pass.
   */
  public List<Neighbour> nearest(float[] query, int k, Filter filter) {
    return search(query, k, filter).neighbours();
  }

  /**
   * Like {@link #nearest}, with the partitions loaded when the search ran and the stored count, read under the same
   * lock as the entries (an answer never claims a partition whose entries it did not search).
   */
  public Search search(float[] query, int k, Filter filter) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1 but was " + k);
    }
    Objects.requireNonNull(filter, "filter must not be null");
    float[] q = normalised("(query)", query);
    lock.readLock().lock();
    try {
      if (size > 0 && q.length != dimension) {
        throw new IllegalArgumentException("query has " + q.length + " dimensions but the index holds " + dimension
            + "-dimensional embeddings");
      }
      PriorityQueue<Hit> top = new PriorityQueue<>(Math.min(k, Math.max(size, 1)) + 1, WORST_FIRST);
      int d = dimension;
      for (int s = 0; s < size; s++) {
        if (!filter.accepts(sources[s], captureMillis[s])) {
          continue;
        }
        float dot = dot(q, vectors, s * d, d);
        if (top.size() < k) {
          top.add(new Hit(ids[s], dot, s));
        } else if (WORST_FIRST.compare(new Hit(ids[s], dot, s), top.peek()) > 0) {
          top.poll();
          top.add(new Hit(ids[s], dot, s));
        }
      }
      List<Neighbour> out = new ArrayList<>(top.size());
      while (!top.isEmpty()) {
        Hit h = top.poll();
        out.add(new Neighbour(h.id(), sources[h.slot()], Instant.ofEpochMilli(captureMillis[h.slot()]), h.score()));
      }
      Collections.reverse(out);
      return new Search(out, Set.copyOf(loaded), size);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * {@code q · v[base .. base+d)} with four independent sums: the JIT does not vectorise a single float reduction
   * (it must keep the order), and four chains let the CPU overlap the additions (~2x at d = 384).
   */
  private static float dot(float[] q, float[] v, int base, int d) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    for (; i + 3 < d; i += 4) {
      s0 += q[i] * v[base + i];
      s1 += q[i + 1] * v[base + i + 1];
      s2 += q[i + 2] * v[base + i + 2];
      s3 += q[i + 3] * v[base + i + 3];
    }
    for (; i < d; i++) {
      s0 += q[i] * v[base + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private int append(String sourceId, String imageId) {
    if (size == ids.length) {
      int capacity = Math.max(16, ids.length * 2);
      vectors = Arrays.copyOf(vectors, capacity * dimension);
      ids = Arrays.copyOf(ids, capacity);
      sources = Arrays.copyOf(sources, capacity);
      captureMillis = Arrays.copyOf(captureMillis, capacity);
      partitions = Arrays.copyOf(partitions, capacity);
    }
    int s = size++;
    ids[s] = imageId;
    sources[s] = sourceId;
    slotById.put(new Key(sourceId, imageId), s);
    return s;
  }

  /** A unit-length copy; refuses empty, non-finite and all-zero vectors naming the image. */
  static float[] normalised(String imageId, float[] v) {
    Objects.requireNonNull(v, "vector must not be null for image " + imageId);
    if (v.length == 0) {
      throw new IllegalArgumentException("image " + imageId + " has an empty embedding");
    }
    double sq = 0;
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("image " + imageId + " has a non-finite embedding value " + x);
      }
      sq += (double) x * x;
    }
    if (sq == 0) {
      throw new IllegalArgumentException("image " + imageId + " has an all-zero embedding (no direction)");
    }
    double inv = 1.0 / Math.sqrt(sq);
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * inv);
    }
    return out;
  }
}
