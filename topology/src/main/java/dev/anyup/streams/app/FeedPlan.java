package dev.anyup.streams.app;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * How {@code produce} publishes a folder: once as fast as the broker takes it (the default), or as a live feed: at
 * {@code fps} frames per second, the folder over and over with {@code loop}, for {@code durationMs}. Lets a user
 * reproduce a camera feed, and an overload, without writing a client.
 *
 * @param fps frames per second of the source, 0 for no pacing
 * @param loop publish the folder again and again (each pass's image ids get "-pass" before the extension)
 * @param durationMs stop once this long has passed since the first frame, 0 for no limit
 */
record FeedPlan(double fps, boolean loop, long durationMs) {
  static final FeedPlan ONCE = new FeedPlan(0, false, 0);

  FeedPlan {
    if (!(fps >= 0) || Double.isInfinite(fps)) {
      throw new IllegalArgumentException("--fps must be a positive number (or 0 for no pacing) but was " + fps);
    }
    if (durationMs < 0) {
      throw new IllegalArgumentException("--duration must not be negative but was " + durationMs + " ms");
    }
    if (loop && fps == 0 && durationMs == 0) {
      throw new IllegalArgumentException("--loop without --fps or --duration would publish as fast as it can "
          + "forever: give a rate (--fps 5) and/or a limit (--duration 60s)");
    }
  }

  /** One frame to publish: the file, which pass over the folder, and when to send it (nanoseconds after the start). */
  record Frame(Path file, int pass, long dueNanos) {}

  /** The frames in order; lazily, so an endless loop needs no memory. Stops at {@code durationMs} of due time. */
  Iterator<Frame> frames(List<Path> files) {
    return new Iterator<>() {
      private long n;

      @Override
      public boolean hasNext() {
        if (files.isEmpty() || (!loop && n >= files.size())) {
          return false;
        }
        return durationMs == 0 || fps == 0 || due(n) < durationMs * 1_000_000L;
      }

      @Override
      public Frame next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Frame f = new Frame(files.get((int) (n % files.size())), (int) (n / files.size()), due(n));
        n++;
        return f;
      }
    };
  }

  private long due(long n) {
    return fps == 0 ? 0 : Math.round(n * 1e9 / fps);
  }

  /** The image id of a frame: {@code id} on the first pass, else with "-PASS" before its extension. */
  static String withPass(String id, int pass) {
    if (pass == 0) {
      return id;
    }
    int dot = id.lastIndexOf('.');
    return dot > 0 ? id.substring(0, dot) + "-" + pass + id.substring(dot) : id + "-" + pass;
  }
}
