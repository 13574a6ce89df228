package dev.anyup.streams.models.segmentation;

import dev.anyup.streams.models.FeatureMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Training-free segmentation by similarity to examples: label {@code i + 1} for the {@code i}-th concept, 0
 * ({@value #UNKNOWN}) for none. A pixel takes the concept of its most similar prototype (cosine similarity of the
 * pixel's feature vector and the prototype) when that similarity reaches the concept's threshold, else 0. Ties go to
 * the earlier prototype.
 */
public final class ConceptSet {

  /** The name of label 0: no concept's prototype was similar enough. */
  public static final String UNKNOWN = "unknown";

  private final List<Concept> concepts;
  private final List<String> classNames;
  private final int dimension;
  /** All prototypes, L2-normalised, one row each; {@code owner[j]} is the label of row j. */
  private final float[][] unitPrototypes;
  private final int[] owner;
  private final double[] thresholds;

  /**
   * @param concepts in label order; an empty set labels every pixel 0
   * @throws IllegalArgumentException when names repeat or dimensions differ
   */
  public ConceptSet(List<Concept> concepts) {
    this.concepts = List.copyOf(concepts);
    List<String> names = new ArrayList<>();
    names.add(UNKNOWN);
    int dim = -1;
    List<float[]> rows = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (Concept c : this.concepts) {
      if (names.contains(c.name())) {
        throw new IllegalArgumentException("concept name " + c.name() + " appears twice");
      }
      if (dim >= 0 && c.dimension() != dim) {
        throw new IllegalArgumentException("concept " + c.name() + " has dimension " + c.dimension() + ", "
            + this.concepts.get(0).name() + " has " + dim);
      }
      dim = c.dimension();
      names.add(c.name());
      for (float[] p : c.prototypes()) {
        rows.add(unit(p));
        owners.add(names.size() - 1);
      }
    }
    this.classNames = List.copyOf(names);
    this.dimension = dim;
    this.unitPrototypes = rows.toArray(new float[0][]);
    this.owner = owners.stream().mapToInt(Integer::intValue).toArray();
    this.thresholds = this.concepts.stream().mapToDouble(Concept::threshold).toArray();
  }

  public List<Concept> concepts() {
    return concepts;
  }

  /** {@value #UNKNOWN} followed by the concepts' names: the name of each label value. */
  public List<String> classNames() {
    return classNames;
  }

  /** The prototypes' length, or -1 for an empty set. */
  public int dimension() {
    return dimension;
  }

  public boolean isEmpty() {
    return concepts.isEmpty();
  }

  /**
   * Labels every pixel of {@code features}.
   *
   * @param withConfidence whether to return each pixel's best cosine similarity clamped to {@code [0, 1]}
   * @throws IllegalArgumentException when the features' channels differ from the prototypes' dimension
   */
  public LabelMap label(FeatureMap features, boolean withConfidence) {
    int hw = features.height() * features.width();
    int[] labels = new int[hw];
    float[] confidence = withConfidence ? new float[hw] : null;
    if (concepts.isEmpty()) {
      return new LabelMap(features.width(), features.height(), labels, confidence, classNames);
    }
    int c = features.channels();
    if (c != dimension) {
      throw new IllegalArgumentException("concepts have dimension " + dimension + " but the features have " + c
          + " channels");
    }
    float[] x = features.data();
    float[] norms = new float[hw];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      for (int p = 0; p < hw; p++) {
        float v = x[base + p];
        norms[p] += v * v;
      }
    }
    float[] best = new float[hw];
    java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
    int[] bestRow = new int[hw];
    float[] dots = new float[hw];
    for (int j = 0; j < unitPrototypes.length; j++) {
      float[] q = unitPrototypes[j];
      java.util.Arrays.fill(dots, 0f);
      for (int ch = 0; ch < c; ch++) {
        float w = q[ch];
        int base = ch * hw;
        for (int p = 0; p < hw; p++) {
          dots[p] += w * x[base + p];
        }
      }
      for (int p = 0; p < hw; p++) {
        float n = norms[p];
        float sim = n == 0 ? 0f : (float) (dots[p] / Math.sqrt(n));
        if (sim > best[p]) {
          best[p] = sim;
          bestRow[p] = j;
        }
      }
    }
    for (int p = 0; p < hw; p++) {
      int label = owner[bestRow[p]];
      labels[p] = best[p] >= thresholds[label - 1] ? label : 0;
      if (confidence != null) {
        confidence[p] = Math.max(0f, Math.min(1f, best[p]));
      }
    }
    return new LabelMap(features.width(), features.height(), labels, confidence, classNames);
  }

  /**
   * A prototype from an example region: the mean of the L2-normalised feature vectors of the pixels where
   * {@code mask} is true (pixels with all-zero features are skipped).
   *
   * @param mask {@code features.height() * features.width()} values, row-major
   * @throws IllegalArgumentException when the region is empty (no pixel, or only zero-feature pixels)
   */
  public static float[] prototype(FeatureMap features, boolean[] mask) {
    int hw = features.height() * features.width();
    if (mask == null || mask.length != hw) {
      throw new IllegalArgumentException("mask must hold " + hw + " values but held "
          + (mask == null ? "null" : mask.length));
    }
    int c = features.channels();
    float[] x = features.data();
    double[] norms = new double[hw];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      for (int p = 0; p < hw; p++) {
        if (mask[p]) {
          double v = x[base + p];
          norms[p] += v * v;
        }
      }
    }
    int n = 0;
    for (int p = 0; p < hw; p++) {
      if (mask[p] && norms[p] > 0) {
        n++;
        norms[p] = 1 / Math.sqrt(norms[p]);
      } else {
        norms[p] = 0;
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException("the example region is empty: no pixel with non-zero features under the "
          + "mask");
    }
    float[] proto = new float[c];
    for (int ch = 0; ch < c; ch++) {
      int base = ch * hw;
      double sum = 0;
      for (int p = 0; p < hw; p++) {
        sum += x[base + p] * norms[p];
      }
      proto[ch] = (float) (sum / n);
    }
    return proto;
  }

  private static float[] unit(float[] p) {
    double norm = 0;
    for (float v : p) {
      norm += (double) v * v;
    }
    float inv = (float) (1 / Math.sqrt(norm));
    float[] u = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      u[i] = p[i] * inv;
    }
    return u;
  }
}
