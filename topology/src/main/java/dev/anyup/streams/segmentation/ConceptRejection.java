package dev.anyup.streams.segmentation;

/**
 * Why a record of the concepts topic was refused; the {@code reason} tag of {@code anyup.concepts.rejected}. A refused
 * record changes nothing: the concept keeps the definition it had before (or stays undefined).
 */
enum ConceptRejection {
  /** No key, or a value that is not a {@code Concept} in the registry's Avro (wrong magic byte, schema, bytes). */
  MALFORMED,
  /** The record's {@code name} differs from its key. */
  NAME_MISMATCH,
  /** A blank name, or {@value dev.anyup.streams.models.segmentation.ConceptSet#UNKNOWN} (reserved for label 0). */
  INVALID_NAME,
  /** No prototype, or an empty one (an empty example region). */
  EMPTY,
  /** A prototype value is NaN or infinite. */
  NOT_FINITE,
  /** A prototype is all zeros (no direction to compare with). */
  ALL_ZERO,
  /** A prototype's length (or the declared {@code dimension}) differs from the encoder's feature channels. */
  WRONG_DIMENSION,
  /** {@code encoder_sha256} is not the bundle's encoder: the prototypes live in another feature space. */
  UNKNOWN_LINEAGE,
  /** The threshold is outside {@code [-1, 1]} (or NaN). */
  THRESHOLD_OUT_OF_RANGE
}
