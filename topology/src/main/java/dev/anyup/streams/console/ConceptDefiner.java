package dev.anyup.streams.console;

import dev.anyup.streams.segmentation.ConceptBuilder;

/**
 * What the console's "define a concept" calls: build a concept from a kept image and a region of it, write it to the
 * concepts topic and return once the broker acknowledged it. The console owns no Kafka client or model of its own;
 * the app passes an implementation when {@code console.concepts.enabled} is true.
 */
public interface ConceptDefiner {

  /** A written concept: where it landed and what it holds now. */
  record Defined(String name, String topic, long offset, int dimension, int prototypes, double threshold) {}

  /**
   * Builds and writes a concept.
   *
   * @param append add the example as another prototype of the existing concept (else a new concept, replacing one of
   *     the same name)
   * @param threshold the concept's threshold, or null for the default (with {@code append}: the concept's own)
   * @throws IllegalArgumentException for a bad name, threshold or region, an empty region, or no concept to append to
   * @throws dev.anyup.streams.segmentation.ConceptWriteException when the broker did not acknowledge the write
   */
  Defined define(String imageId, byte[] image, String name, ConceptBuilder.Region region, Double threshold,
      boolean append);
}
