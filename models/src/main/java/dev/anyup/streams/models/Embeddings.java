package dev.anyup.streams.models;

/** Compact vectors for retrieval, pooled from {@link FeatureResult}s. */
public final class Embeddings {

  private Embeddings() {}

  /** The L2-normalised global vector: the CLS token when the encoder gives one, else the mean of the patch features. */
  public static float[] global(FeatureResult result) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** {@code grid × grid} region vectors (row-major), each the mean of its cell of {@code upsampled}, L2-normalised. */
  public static float[][] regions(FeatureMap upsampled, int grid) {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
