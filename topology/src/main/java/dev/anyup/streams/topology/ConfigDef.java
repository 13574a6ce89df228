package dev.anyup.streams.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Declared configuration keys, after Kafka's {@code ConfigDef}: each key is defined once with its type, default,
 * allowed values and a one-line doc, in a section. The app's keys are {@link ConfigKeys#DEF}; from them come the
 * unknown-key check and the defaults of {@link AppConfig#fromMap}, {@code anyup-streams config} and
 * {@code docs/configuration.md}. Values are checked where they are typed, by {@link AppConfig}'s records (so a
 * programmatic {@code AppConfig} is checked too); {@link Allowed} here is what those checks accept, stated for readers
 * and compared with them by a test.
 */
public final class ConfigDef {
  /** How a key's value is read. */
  public enum Type {
    STRING, INT, LONG, DOUBLE, BOOLEAN;

    /** The lower-case name shown to users. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What a key accepts beyond its type: a numeric range (either end may be open) or a set of choices.
   *
   * @param min smallest value, or null
   * @param max largest value, or null
   * @param choices the accepted strings (compared as the record does: see its doc), or empty for any
   */
  public record Allowed(Long min, Long max, List<String> choices) {
    static final Allowed ANY = new Allowed(null, null, List.of());

    public Allowed {
      choices = List.copyOf(choices);
    }

    public static Allowed atLeast(long min) {
      return new Allowed(min, null, List.of());
    }

    public static Allowed between(long min, long max) {
      return new Allowed(min, max, List.of());
    }

    public static Allowed oneOf(String... choices) {
      return new Allowed(null, null, List.of(choices));
    }

    /** The constraint in words ({@code 1..64}, {@code >= 0}, {@code cpu, cuda:N}), or empty for none. */
    public String describe() {
      if (!choices.isEmpty()) {
        return String.join(", ", choices);
      }
      if (min != null && max != null) {
        return min + ".." + max;
      }
      if (min != null) {
        return ">= " + min;
      }
      return max != null ? "<= " + max : "";
    }
  }

  /**
   * One key.
   *
   * @param defaultValue the value used when the key is not set (a blank value counts as not set), or null when the
   *     key is required; {@code ""} when unset means something the doc states (none, computed at start-up)
   */
  public record Key(String name, Type type, String defaultValue, Allowed allowed, String doc, String section) {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(allowed, "allowed");
      if (doc == null || doc.isBlank()) {
        throw new IllegalArgumentException("configuration key " + name + " needs a doc");
      }
    }

    public boolean required() {
      return defaultValue == null;
    }
  }

  private final Map<String, Key> keys = new LinkedHashMap<>();
  private final Map<String, String> sections = new LinkedHashMap<>();
  private String section;

  /** Starts a section: the keys defined next belong to it; {@code intro} is one or two sentences about them. */
  public ConfigDef section(String name, String intro) {
    if (sections.putIfAbsent(name, intro) != null) {
      throw new IllegalArgumentException("section " + name + " defined twice");
    }
    section = name;
    return this;
  }

  public ConfigDef define(String name, Type type, String defaultValue, String doc) {
    return define(name, type, defaultValue, Allowed.ANY, doc);
  }

  public ConfigDef define(String name, Type type, String defaultValue, Allowed allowed, String doc) {
    if (section == null) {
      throw new IllegalStateException("define " + name + " inside a section");
    }
    if (keys.putIfAbsent(name, new Key(name, type, defaultValue, allowed, doc, section)) != null) {
      throw new IllegalArgumentException("configuration key " + name + " defined twice");
    }
    return this;
  }

  /** Every key, in definition order. */
  public List<Key> keys() {
    return List.copyOf(keys.values());
  }

  /** The key names, in definition order. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(keys.keySet()));
  }

  /** The key called {@code name}, or null. */
  public Key key(String name) {
    return keys.get(name);
  }

  /** Section names with their intros, in definition order. */
  public Map<String, String> sections() {
    return Collections.unmodifiableMap(sections);
  }

  /** The keys of one section, in definition order. */
  public List<Key> keys(String sectionName) {
    List<Key> out = new ArrayList<>();
    keys.values().forEach(k -> {
      if (k.section().equals(sectionName)) {
        out.add(k);
      }
    });
    return out;
  }
}
