package dev.anyup.streams.serdes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * The in-memory registry behind {@code schema.registry.url=mock://scope}: one instance per scope, shared by
 * every serde and client configured with it in this JVM. For unit tests only. Like Confluent's, new subjects
 * default to BACKWARD compatibility.
 */
public final class MockSchemaRegistry implements SchemaRegistryClient {

  private static final Map<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

  private final String scope;
  private final List<Schema> schemasById = new ArrayList<>();
  private final Map<String, List<Integer>> subjectVersions = new HashMap<>();
  private final Map<String, CompatibilityLevel> compatibility = new HashMap<>();

  private MockSchemaRegistry(String scope) {
    this.scope = scope;
  }

  /** The registry for {@code scope}, created on first use. */
  public static MockSchemaRegistry scope(String scope) {
    return SCOPES.computeIfAbsent(scope, MockSchemaRegistry::new);
  }

  /** Forgets everything registered in {@code scope}. */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }

  private String url(String path) {
    return "mock://" + scope + path;
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    List<Integer> versions = subjectVersions.computeIfAbsent(subject, s -> new ArrayList<>());
    for (int id : versions) {
      if (byId(id).equals(schema)) {
        return id;
      }
    }
    if (!compatibleWith(subject, versions, schema)) {
      throw new IncompatibleSchemaException(409, 409,
          "Schema being registered is incompatible with an earlier schema for subject \"" + subject
              + "\" (" + level(subject) + ")", url("/subjects/" + subject + "/versions"), null);
    }
    int id = indexOf(schema);
    if (id < 0) {
      schemasById.add(schema);
      id = schemasById.size();
    }
    versions.add(id);
    return id;
  }

  /** Ids start at 1, as in Confluent's registry. */
  private int indexOf(Schema schema) {
    for (int i = 0; i < schemasById.size(); i++) {
      if (schemasById.get(i).equals(schema)) {
        return i + 1;
      }
    }
    return -1;
  }

  private Schema byId(int id) {
    return schemasById.get(id - 1);
  }

  @Override
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    List<Integer> versions = existingVersions(subject, "/subjects/" + subject);
    for (int v = 0; v < versions.size(); v++) {
      if (byId(versions.get(v)).equals(schema)) {
        return new RegisteredSchema(subject, versions.get(v), v + 1, schema);
      }
    }
    throw new SchemaNotFoundException(404, 40403, "Schema not found", url("/subjects/" + subject), null);
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > schemasById.size()) {
      throw new SchemaNotFoundException(404, 40403, "Schema " + id + " not found", url("/schemas/ids/" + id), null);
    }
    return byId(id);
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    List<Integer> versions = existingVersions(subject, "/subjects/" + subject + "/versions/latest");
    int id = versions.get(versions.size() - 1);
    return new RegisteredSchema(subject, id, versions.size(), byId(id));
  }

  @Override
  public synchronized boolean isCompatible(String subject, Schema schema) {
    List<Integer> versions = existingVersions(subject, "/compatibility/subjects/" + subject + "/versions/latest");
    return compatibleWith(subject, versions, schema);
  }

  @Override
  public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
    compatibility.put(subject, level);
  }

  private List<Integer> existingVersions(String subject, String path) {
    List<Integer> versions = subjectVersions.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new SubjectNotFoundException(404, 40401, "Subject '" + subject + "' not found.", url(path), null);
    }
    return versions;
  }

  private CompatibilityLevel level(String subject) {
    return compatibility.getOrDefault(subject, CompatibilityLevel.BACKWARD);
  }

  private boolean compatibleWith(String subject, List<Integer> versions, Schema candidate) {
    if (versions.isEmpty()) {
      return true;
    }
    CompatibilityLevel level = level(subject);
    List<Integer> against = level.name().endsWith("_TRANSITIVE") ? versions : versions.subList(versions.size() - 1, versions.size());
    for (int id : against) {
      Schema existing = byId(id);
      boolean backward = canRead(candidate, existing);
      boolean forward = canRead(existing, candidate);
      boolean ok = switch (level) {
        case NONE -> true;
        case BACKWARD, BACKWARD_TRANSITIVE -> backward;
        case FORWARD, FORWARD_TRANSITIVE -> forward;
        case FULL, FULL_TRANSITIVE -> backward && forward;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean canRead(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
        == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
  }
}
