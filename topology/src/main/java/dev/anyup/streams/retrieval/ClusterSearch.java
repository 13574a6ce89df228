package dev.anyup.streams.retrieval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.retrieval.EmbeddingIndex.Filter;
import dev.anyup.streams.retrieval.EmbeddingIndex.Neighbour;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Kafka Streams interactive queries over several {@code serve} instances of one application id: each holds the
 * partitions of the embeddings topic assigned to it, so a query asks this instance's index and every other instance
 * ({@link PeerApi}, found through Streams metadata and {@code application.server}) in parallel and merges their top k.
 *
 * <p>Exactness: each instance's top k over its partitions contains the global top k's members from those partitions,
 * so the merge (best score first, then image id, the index's own order; duplicates from a partition that two
 * instances briefly both report are dropped) equals one index over every partition. An instance's answer names the
 * partitions it searched, read under its index lock; the union is checked against the topic's partition count, and
 * any partition nobody answered for is reported as missing with the reason (an instance unreachable or too slow, a
 * partition not yet assigned or restored during a rebalance) instead of being silently left out.
 */
final class ClusterSearch implements NeighbourSearch {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Comparator<Neighbour> BEST_FIRST =
      Comparator.comparingDouble(Neighbour::score).reversed().thenComparing(Neighbour::imageId);

  private final EmbeddingIndex local;
  private final Supplier<Collection<HostInfo>> peers;
  private final IntSupplier partitionCount;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param peers the other instances' {@code application.server} addresses, now
   * @param partitionCount the embeddings topic's partition count (may throw when it cannot be read)
   * @param timeout per peer request; a peer slower than this counts as unavailable
   */
  ClusterSearch(EmbeddingIndex local, Supplier<Collection<HostInfo>> peers, IntSupplier partitionCount,
      Duration timeout) {
    this.local = local;
    this.peers = peers;
    this.partitionCount = partitionCount;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** One peer's reply, or why there is none. */
  private record Reply(HostInfo host, JsonNode body, String problem) {}

  @Override
  public Lookup vector(String imageId) {
    EmbeddingIndex.Found mine = local.find(imageId);
    if (mine.vector().isPresent()) {
      return new Lookup(mine.vector(), new TreeSet<>(), List.of());
    }
    Set<Integer> covered = new TreeSet<>(mine.partitions());
    List<String> problems = new ArrayList<>();
    for (Reply r : ask(h -> HttpRequest.newBuilder(uri(h, "/internal/vector?image=" + encode(imageId))).GET())) {
      if (r.problem() != null) {
        problems.add(r.problem());
        continue;
      }
      r.body().get("partitions").forEach(p -> covered.add(p.asInt()));
      if (r.body().hasNonNull("vector_f32le")) {
        return new Lookup(Optional.of(PeerApi.floats(r.body().get("vector_f32le").asText())), new TreeSet<>(),
            List.of());
      }
    }
    return new Lookup(Optional.empty(), missing(covered, problems), problems);
  }

  @Override
  public Answer nearest(float[] query, int k, Filter filter) {
    EmbeddingIndex.Search mine = local.search(query, k, filter);
    Set<Integer> covered = new TreeSet<>(mine.partitions());
    List<String> problems = new ArrayList<>();
    // one entry per (source, image id), as the index keys them
    Map<List<String>, Neighbour> merged = new HashMap<>();
    mine.neighbours().forEach(n -> merged.put(List.of(n.sourceId(), n.imageId()), n));
    long stored = mine.stored();
    String params = "?k=" + k + (filter.sourceId() != null ? "&source=" + encode(filter.sourceId()) : "")
        + (filter.from() != null ? "&from=" + filter.from().toEpochMilli() : "")
        + (filter.to() != null ? "&to=" + filter.to().toEpochMilli() : "");
    byte[] body = PeerApi.bytes(query);
    for (Reply r : ask(h -> HttpRequest.newBuilder(uri(h, "/internal/nearest" + params))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)))) {
      if (r.problem() != null) {
        problems.add(r.problem());
        continue;
      }
      r.body().get("partitions").forEach(p -> covered.add(p.asInt()));
      stored += r.body().get("stored").asLong();
      for (JsonNode n : r.body().get("neighbours")) {
        Neighbour nb = new Neighbour(n.get("image_id").asText(), n.get("source_id").asText(),
            Instant.parse(n.get("capture_time").asText()), n.get("score").asDouble());
        merged.merge(List.of(nb.sourceId(), nb.imageId()), nb, (a, b) -> a.score() >= b.score() ? a : b);
      }
    }
    List<Neighbour> top = merged.values().stream().sorted(BEST_FIRST).limit(k).toList();
    return new Answer(top, stored, missing(covered, problems), problems);
  }

  private SortedSet<Integer> missing(Set<Integer> covered, List<String> problems) {
    SortedSet<Integer> missing = new TreeSet<>();
    int n;
    try {
      n = partitionCount.getAsInt();
    } catch (RuntimeException e) {
      problems.add("cannot read the embeddings topic's partition count: " + e.getMessage());
      missing.add(-1);
      return missing;
    }
    for (int p = 0; p < n; p++) {
      if (!covered.contains(p)) {
        missing.add(p);
      }
    }
    if (!missing.isEmpty() && problems.isEmpty()) {
      problems.add("partition(s) " + missing + " not loaded by any reachable instance (a rebalance or a state "
          + "restore in progress, or an instance that left)");
    }
    return missing;
  }

  /** Sends one request per peer in parallel and waits for all, each at most {@code timeout}. */
  private List<Reply> ask(java.util.function.Function<HostInfo, HttpRequest.Builder> request) {
    Collection<HostInfo> hosts = peers.get();
    List<CompletableFuture<HttpResponse<byte[]>>> pending = new ArrayList<>();
    List<HostInfo> order = new ArrayList<>(hosts);
    for (HostInfo h : order) {
      pending.add(http.sendAsync(request.apply(h).timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray()));
    }
    List<Reply> replies = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      HostInfo h = order.get(i);
      String name = h.host() + ":" + h.port();
      try {
        HttpResponse<byte[]> r = pending.get(i).get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
        if (r.statusCode() != 200) {
          replies.add(new Reply(h, null, "instance " + name + " answered HTTP " + r.statusCode() + ": "
              + new String(r.body(), StandardCharsets.UTF_8)));
        } else {
          replies.add(new Reply(h, JSON.readTree(r.body()), null));
        }
      } catch (ExecutionException e) {
        replies.add(new Reply(h, null, "instance " + name + " unreachable: " + e.getCause()));
      } catch (TimeoutException e) {
        pending.get(i).cancel(true);
        replies.add(new Reply(h, null, "instance " + name + " did not answer within " + timeout.toMillis() + " ms"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        replies.add(new Reply(h, null, "interrupted while asking instance " + name));
      } catch (java.io.IOException e) {
        replies.add(new Reply(h, null, "instance " + name + " sent an unreadable answer: " + e.getMessage()));
      }
    }
    return replies;
  }

  private static URI uri(HostInfo h, String pathAndQuery) {
    return URI.create("http://" + h.host() + ":" + h.port() + pathAndQuery);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
