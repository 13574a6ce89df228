package dev.anyup.streams.retrieval;

/** Turns an uploaded image into a query vector with the same models that made the stored embeddings. */
@FunctionalInterface
public interface QueryEmbedder {
  /**
   * The image's global embedding.
   *
   * @throws RuntimeException naming why the image cannot be embedded (not an image, too large, model error)
   */
  float[] embed(String imageId, byte[] image);
}
