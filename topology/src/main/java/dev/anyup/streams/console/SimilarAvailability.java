package dev.anyup.streams.console;

import java.util.Optional;

/**
 * Implemented by a similar-image handler whose index can stop following its topic (a missing READ ACL, rejected
 * credentials): {@code /api/status} then says similar-image search is unavailable, and why, instead of
 * {@code similar_available: true} over an index that no longer grows.
 */
public interface SimilarAvailability {
  /** Why similar-image search stopped, or empty while it works. */
  Optional<String> unavailable();
}
