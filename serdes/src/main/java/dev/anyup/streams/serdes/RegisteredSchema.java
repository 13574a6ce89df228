package dev.anyup.streams.serdes;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One schema version registered under a subject.
 *
 * @param subject the subject
 * @param id the global schema id (what the wire format carries)
 * @param version the version number under the subject, from 1
 * @param schema the parsed schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
  public RegisteredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
    if (id < 0) {
      throw new IllegalArgumentException("schema id must not be negative: " + id);
    }
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1: " + version);
    }
  }
}
