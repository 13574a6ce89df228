/**
 * Segmentation heads in the pipeline: label maps from a trained linear probe ({@code segmentation.head: probe}) or
 * from named concepts defined live through a compacted Kafka topic ({@code segmentation.head: concepts}). Entry point:
 * {@link dev.anyup.streams.segmentation.SegmentationHeads}; the pipeline sees a head only as
 * {@link dev.anyup.streams.topology.SegmentationHead}. The labelling maths lives in
 * {@code dev.anyup.streams.models.segmentation}; this package wires it to topics.
 */
package dev.anyup.streams.segmentation;
