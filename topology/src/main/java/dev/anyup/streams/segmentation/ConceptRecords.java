package dev.anyup.streams.segmentation;

import dev.anyup.streams.models.segmentation.Concept;
import dev.anyup.streams.models.segmentation.ConceptSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks one record of the concepts topic against this instance's encoder before anything of it is applied, and says
 * precisely why when it is refused. Stateless and thread-safe.
 */
final class ConceptRecords {

  /** The outcome for one record: a definition, a removal, or a refusal. */
  sealed interface Verdict permits Define, Remove, Refuse {}

  /** A valid definition of {@code concept}. */
  record Define(Concept concept) implements Verdict {}

  /** A tombstone: {@code name} is removed. */
  record Remove(String name) implements Verdict {}

  /** Refused: {@code name} as far as known (the key, else {@code "?"}), the reason and the detail for the log. */
  record Refuse(String name, ConceptRejection reason, String detail) implements Verdict {}

  private final int channels;
  private final String encoderSha256;

  /**
   * @param channels the encoder's feature channels: every prototype's required length
   * @param encoderSha256 the bundle's encoder hash: every record's required lineage
   */
  ConceptRecords(int channels, String encoderSha256) {
    this.channels = channels;
    this.encoderSha256 = encoderSha256;
  }

  /**
   * The verdict on a record whose key is {@code key} and whose value deserialised to {@code value}.
   *
   * @param key the record key as a string, or null when there was none
   * @param value the value, null for a tombstone
   */
  Verdict check(String key, dev.anyup.streams.avro.Concept value) {
    if (key == null) {
      return new Refuse("?", ConceptRejection.MALFORMED, "the record has no key (the key is the concept's name)");
    }
    if (value == null) {
      return new Remove(key);
    }
    String name = value.getName();
    if (!key.equals(name)) {
      return new Refuse(key, ConceptRejection.NAME_MISMATCH, "the record's name '" + name + "' differs from its key");
    }
    if (name.isBlank() || name.equals(ConceptSet.UNKNOWN)) {
      return new Refuse(key, ConceptRejection.INVALID_NAME, "the name '" + name + "' is blank or reserved for label 0");
    }
    if (!encoderSha256.equals(value.getEncoderSha256())) {
      return new Refuse(key, ConceptRejection.UNKNOWN_LINEAGE, "its prototypes come from encoder sha256 "
          + value.getEncoderSha256() + " but this bundle's encoder is " + encoderSha256);
    }
    double threshold = value.getThreshold();
    if (!(threshold >= -1 && threshold <= 1)) {
      return new Refuse(key, ConceptRejection.THRESHOLD_OUT_OF_RANGE, "threshold " + threshold
          + " is outside [-1, 1]");
    }
    List<List<Float>> prototypes = value.getPrototypes();
    if (prototypes.isEmpty()) {
      return new Refuse(key, ConceptRejection.EMPTY, "it has no prototype");
    }
    List<float[]> vectors = new ArrayList<>(prototypes.size());
    for (int i = 0; i < prototypes.size(); i++) {
      List<Float> p = prototypes.get(i);
      if (p.isEmpty()) {
        return new Refuse(key, ConceptRejection.EMPTY, "prototype " + i + " is empty (an empty example region)");
      }
      if (p.size() != channels) {
        return new Refuse(key, ConceptRejection.WRONG_DIMENSION, "prototype " + i + " has " + p.size()
            + " values but the encoder has " + channels + " channels");
      }
      float[] v = new float[p.size()];
      boolean nonZero = false;
      for (int c = 0; c < v.length; c++) {
        v[c] = p.get(c);
        if (!Float.isFinite(v[c])) {
          return new Refuse(key, ConceptRejection.NOT_FINITE, "prototype " + i + " has " + v[c] + " at index " + c);
        }
        nonZero |= v[c] != 0f;
      }
      if (!nonZero) {
        return new Refuse(key, ConceptRejection.ALL_ZERO, "prototype " + i + " is all zeros");
      }
      vectors.add(v);
    }
    if (value.getDimension() != channels) {
      return new Refuse(key, ConceptRejection.WRONG_DIMENSION, "it declares dimension " + value.getDimension()
          + " but the encoder has " + channels + " channels");
    }
    return new Define(new Concept(name, vectors, threshold));
  }
}
