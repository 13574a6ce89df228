/**
 * Comparing and labelling pixels on plain feature maps, with no Kafka in it: the cosine similarity of every pixel to
 * a clicked one ({@link dev.anyup.streams.models.segmentation.PixelSimilarity}), a
 * {@link dev.anyup.streams.models.segmentation.LinearProbe}
 * (a trained 1×1 classifier, K classes × C weights + bias) or a {@link dev.anyup.streams.models.segmentation.ConceptSet}
 * (training-free: cosine similarity to prototype vectors of named concepts defined from example regions). Both give a
 * {@link dev.anyup.streams.models.segmentation.LabelMap}, which encodes itself as a lossless PNG
 * ({@link dev.anyup.streams.models.segmentation.LabelPng}).
 *
 * <p>Every type here is immutable and thread-safe.
 */
package dev.anyup.streams.models.segmentation;
