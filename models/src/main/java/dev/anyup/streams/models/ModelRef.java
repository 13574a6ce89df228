package dev.anyup.streams.models;

/**
 * Identifies a model for lineage: name, version and the sha256 of the graph (or of the parameters for built-ins).
 *
 * @param name model name
 * @param version model version
 * @param sha256 lower-case hex content hash
 */
public record ModelRef(String name, String version, String sha256) {

  public ModelRef {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("version must not be blank for model " + name);
    }
    if (sha256 == null) {
      throw new IllegalArgumentException("sha256 must not be null for model " + name);
    }
  }
}
