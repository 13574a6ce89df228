package dev.anyup.streams.bench;

import dev.anyup.streams.retrieval.EmbeddingIndex;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where an approximate index starts to pay: exact kNN ({@link EmbeddingIndex}, what {@code serve} and the console use)
 * against Lucene's HNSW vectors ({@code KnnFloatVectorField}, DOT_PRODUCT on L2-normalised vectors, Lucene's default
 * M = 16 and beam width 100, one segment in a {@code ByteBuffersDirectory}) at several store sizes: query latency
 * p50/p99 and recall@k of HNSW against the exact answer, for several candidate counts (Lucene's k of the query, of
 * which the best k are kept), plus HNSW build time. Queries are fresh vectors from the same distribution as the
 * stored ones, never stored ones (whose nearest neighbour is trivially themselves). A program that prints numbers.
 */
@Command(name = "hnsw-crossover", mixinStandardHelpOptions = true,
    description = "Exact kNN vs Lucene HNSW: latency and recall@k at several store sizes.")
public final class HnswCrossoverBenchmark implements Callable<Integer> {
  @Option(names = "--sizes", split = ",", defaultValue = "10000,30000,100000,300000", description = "stored vectors")
  List<Integer> sizes;

  @Option(names = "--dim", defaultValue = "384", description = "dimension (ViT-S/14: 384)")
  int dim;

  @Option(names = "--k", defaultValue = "10", description = "neighbours per query")
  int k;

  @Option(names = "--candidates", split = ",", defaultValue = "10,25,50,100",
      description = "HNSW candidates per query (>= k)")
  List<Integer> candidates;

  @Option(names = "--queries", defaultValue = "200", description = "timed queries per size and setting")
  int queries;

  @Option(names = "--clusters", defaultValue = "500", description = "mixture components of the synthetic "
      + "embeddings (0: isotropic Gaussian, the hardest case for a graph index)")
  int clusters;

  @Option(names = "--spread", defaultValue = "0.6", description = "within-cluster noise relative to the centres")
  double spread;

  public static void main(String[] args) {
    System.exit(new CommandLine(new HnswCrossoverBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    System.out.printf(Locale.ROOT, "cores %d, max heap %d MiB, %s %s; dim %d, k %d, %d queries, clusters %d, "
            + "spread %.2f, Lucene HNSW M=16 beam=100 (defaults)%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"),
        dim, k, queries, clusters, spread);
    System.out.println("| stored | HNSW build s | exact p50 ms | exact p99 ms | candidates | HNSW p50 ms | HNSW p99 ms "
        + "| recall@" + k + " |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int n : sizes) {
      run(n);
    }
    return 0;
  }

  private void run(int n) throws IOException {
    Random rnd = new Random(42);
    float[][] centres = new float[Math.max(clusters, 1)][];
    for (int c = 0; c < centres.length; c++) {
      centres[c] = gaussian(rnd, clusters == 0 ? 0 : 1);
    }
    List<float[]> stored = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      stored.add(sample(rnd, centres));
    }
    List<float[]> qs = new ArrayList<>();
    for (int i = 0; i < queries + 50; i++) {
      qs.add(sample(rnd, centres));
    }

    EmbeddingIndex exact = new EmbeddingIndex();
    Instant t = Instant.EPOCH;
    for (int i = 0; i < n; i++) {
      exact.put(Integer.toString(i), "s", t, stored.get(i));
    }
    try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
      long buildStart = System.nanoTime();
      IndexWriterConfig iwc = new IndexWriterConfig().setRAMBufferSizeMB(4096)
          .setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH).setUseCompoundFile(false);
      try (IndexWriter w = new IndexWriter(dir, iwc)) {
        for (float[] v : stored) {
          Document d = new Document();
          d.add(new KnnFloatVectorField("v", v, VectorSimilarityFunction.DOT_PRODUCT));
          w.addDocument(d);
        }
        w.commit();
      }
      double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        if (reader.leaves().size() != 1) {
          throw new IllegalStateException("expected one segment (doc id = insertion order) but got "
              + reader.leaves().size());
        }
        IndexSearcher searcher = new IndexSearcher(reader);
        List<Set<String>> truth = new ArrayList<>();
        double[] exactMs = new double[queries];
        for (int i = 0; i < qs.size(); i++) {
          long s = System.nanoTime();
          List<EmbeddingIndex.Neighbour> top = exact.nearest(qs.get(i), k, EmbeddingIndex.Filter.NONE);
          long e = System.nanoTime();
          if (i >= 50) {
            exactMs[i - 50] = (e - s) / 1e6;
            Set<String> ids = new HashSet<>();
            top.forEach(nb -> ids.add(nb.imageId()));
            truth.add(ids);
          }
        }
        Percentiles ep = Percentiles.of(exactMs);
        for (int cand : candidates) {
          double[] ms = new double[queries];
          double hits = 0;
          for (int i = 0; i < qs.size(); i++) {
            long s = System.nanoTime();
            ScoreDoc[] docs = searcher.search(new KnnFloatVectorQuery("v", qs.get(i), Math.max(cand, k)), k)
                .scoreDocs;
            long e = System.nanoTime();
            if (i >= 50) {
              ms[i - 50] = (e - s) / 1e6;
              for (ScoreDoc d : docs) {
                if (truth.get(i - 50).contains(Integer.toString(d.doc))) {
                  hits++;
                }
              }
            }
          }
          Percentiles hp = Percentiles.of(ms);
          System.out.printf(Locale.ROOT, "| %,d | %.1f | %.2f | %.2f | %d | %.2f | %.2f | %.3f |%n", n, buildSeconds,
              ep.p50(), ep.p99(), cand, hp.p50(), hp.p99(), hits / (queries * (double) k));
        }
      }
    }
  }

  private float[] sample(Random rnd, float[][] centres) {
    float[] c = centres[rnd.nextInt(centres.length)];
    float[] v = gaussian(rnd, 1);
    for (int j = 0; j < dim; j++) {
      v[j] = c[j] + (float) (clusters == 0 ? v[j] : spread * v[j]);
    }
    return unit(v);
  }

  private float[] gaussian(Random rnd, double scale) {
    float[] v = new float[dim];
    for (int j = 0; j < dim; j++) {
      v[j] = (float) (scale * rnd.nextGaussian());
    }
    return v;
  }

  private static float[] unit(float[] v) {
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    double inv = 1 / Math.sqrt(sq);
    for (int j = 0; j < v.length; j++) {
      v[j] = (float) (v[j] * inv);
    }
    return v;
  }
}
