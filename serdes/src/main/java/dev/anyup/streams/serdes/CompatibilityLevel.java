package dev.anyup.streams.serdes;

/** A subject's schema compatibility level, as the Confluent API names them. */
public enum CompatibilityLevel {
  NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE
}
