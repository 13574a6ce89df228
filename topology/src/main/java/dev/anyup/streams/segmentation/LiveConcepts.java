package dev.anyup.streams.segmentation;

import dev.anyup.streams.models.segmentation.Concept;
import dev.anyup.streams.models.segmentation.ConceptSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This instance's current concepts: an immutable {@link Snapshot} replaced atomically on every applied change, so a
 * stream thread reads one consistent (set, version) pair per image and never a half-applied change. Written only by
 * the global thread (restoration and live processing, one after the other); read by every stream thread.
 */
final class LiveConcepts {

  /**
   * One concept-set state.
   *
   * @param set the concepts, in name order (label {@code i + 1} = the {@code i}-th name)
   * @param version the offset one past the last concept record applied (0 before any): the concepts topic has one
   *     partition, so an offset orders every change, and {@code version >= offset + 1} says the record at
   *     {@code offset} is included
   * @param changedAtMillis the timestamp of the record that made this version (its write time), 0 for none
   */
  record Snapshot(ConceptSet set, long version, long changedAtMillis) {}

  private final Map<String, Concept> concepts = new TreeMap<>();
  private volatile Snapshot current = new Snapshot(new ConceptSet(List.of()), 0, 0);

  Snapshot current() {
    return current;
  }

  /** Defines or replaces {@code concept} as of the record at {@code offset}. */
  synchronized Snapshot define(Concept concept, long offset, long timestamp) {
    concepts.put(concept.name(), concept);
    return publish(offset, timestamp);
  }

  /** Removes {@code name} (if defined) as of the record at {@code offset}. */
  synchronized Snapshot remove(String name, long offset, long timestamp) {
    concepts.remove(name);
    return publish(offset, timestamp);
  }

  private Snapshot publish(long offset, long timestamp) {
    long version = Math.max(current.version(), offset + 1);
    current = new Snapshot(new ConceptSet(List.copyOf(concepts.values())), version, timestamp);
    return current;
  }
}
