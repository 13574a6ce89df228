package dev.anyup.streams.serdes;

import org.apache.avro.Schema;

/**
 * A client for the Confluent Schema Registry REST API (Avro schemas). Implementations are thread-safe and
 * cache id → schema and (subject, schema) → id, so that after warm-up the serde hot path makes no HTTP call.
 * Failures are {@link SchemaRegistryException} subclasses naming the URL and carrying the server's message.
 */
public interface SchemaRegistryClient {

  /** An HTTP client for {@code config.urls()}, or the shared in-memory registry for {@code mock://scope}. */
  static SchemaRegistryClient create(SchemaRegistryConfig config) {
    String scope = config.mockScope();
    return scope != null ? MockSchemaRegistry.scope(scope) : new HttpSchemaRegistryClient(config);
  }

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. Cached. */
  int register(String subject, Schema schema);

  /** Looks up {@code schema} under {@code subject}; throws {@link SchemaNotFoundException} or
   *  {@link SubjectNotFoundException} when it is not there. Cached. */
  RegisteredSchema lookup(String subject, Schema schema);

  /** The schema with global id {@code id}; throws {@link SchemaNotFoundException}. Cached. */
  Schema schemaById(int id);

  /** The newest version under {@code subject}. Not cached: it changes when schemas evolve. */
  RegisteredSchema latest(String subject);

  /** Whether {@code schema} may be registered under {@code subject} given its compatibility level. */
  boolean isCompatible(String subject, Schema schema);

  /** Sets the compatibility level of {@code subject}. */
  void setCompatibility(String subject, CompatibilityLevel level);
}
