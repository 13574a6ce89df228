package dev.anyup.streams.models.segmentation;

import java.util.ArrayList;
import java.util.List;

/**
 * A named concept defined from examples: one or more prototype vectors (each the mean of the L2-normalised features
 * under an example region, see {@link ConceptSet#prototype}) and the cosine similarity a pixel must reach with one of
 * them to take this concept.
 *
 * @param name the concept's name (not blank, not {@value ConceptSet#UNKNOWN})
 * @param prototypes at least one vector, all of one length, finite and not all zero
 * @param threshold in {@code [-1, 1]}
 */
public record Concept(String name, List<float[]> prototypes, double threshold) {

  public Concept {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("concept name must not be blank");
    }
    if (name.equals(ConceptSet.UNKNOWN)) {
      throw new IllegalArgumentException("concept name '" + ConceptSet.UNKNOWN + "' is reserved for label 0");
    }
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold of concept " + name + " must be in [-1, 1] but was " + threshold);
    }
    if (prototypes == null || prototypes.isEmpty()) {
      throw new IllegalArgumentException("concept " + name + " has no prototype");
    }
    List<float[]> copy = new ArrayList<>(prototypes.size());
    int dim = -1;
    for (int i = 0; i < prototypes.size(); i++) {
      float[] p = prototypes.get(i);
      if (p == null || p.length == 0) {
        throw new IllegalArgumentException("prototype " + i + " of concept " + name + " is empty");
      }
      if (dim >= 0 && p.length != dim) {
        throw new IllegalArgumentException("prototype " + i + " of concept " + name + " has " + p.length
            + " values, prototype 0 has " + dim);
      }
      dim = p.length;
      double norm = 0;
      for (int c = 0; c < p.length; c++) {
        if (!Float.isFinite(p[c])) {
          throw new IllegalArgumentException("prototype " + i + " of concept " + name + " has a non-finite value "
              + p[c] + " at " + c);
        }
        norm += (double) p[c] * p[c];
      }
      if (norm == 0) {
        throw new IllegalArgumentException("prototype " + i + " of concept " + name + " is all zeros");
      }
      copy.add(p.clone());
    }
    prototypes = List.copyOf(copy);
  }

  /** The length of every prototype. */
  public int dimension() {
    return prototypes.get(0).length;
  }
}
