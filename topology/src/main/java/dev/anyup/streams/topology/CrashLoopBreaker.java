package dev.anyup.streams.topology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops one input record from killing an instance forever (issue 22). Before a record is processed, its offset and
 * attempt count are written to a small file per input partition; when processing returns (outputs or a dead letter
 * forwarded), the file is deleted. A file that names the same offset when the record comes again means the instance
 * died while processing it (an OutOfMemoryError ending the JVM, a kill by the kernel's OOM killer, a native crash):
 * after {@value #MAX_CRASHES} such deaths in a row the record is not tried again but sent to the dead letters with
 * {@code process/CRASH_LOOP}, and the partition moves on.
 *
 * <p>Exactly once still holds: the file only decides <em>what</em> the next attempt produces (outputs or the dead
 * letter), and that is forwarded in the task's transaction with the input's offset like any other result, so a death
 * before the commit leaves nothing visible to {@code read_committed} readers and the record comes again. Lost: the
 * file is written without fsync, so a machine crash (not a process death: the page cache survives that) may forget an
 * attempt; the record then gets at most two more. Another instance that takes the partition over reads its own files:
 * the count is per host (per {@code app.temp.dir}), which survives a container restart in the same pod or volume.
 *
 * <p>Not thread-safe per partition by design: a partition's records are processed by one stream thread at a time.
 */
final class CrashLoopBreaker {
  /** Deaths on the same record before it is dead-lettered instead of processed. */
  static final int MAX_CRASHES = 2;
  private static final Logger LOG = LoggerFactory.getLogger(CrashLoopBreaker.class);

  private final Path dir;
  private volatile boolean broken;

  /** @param dir where the per-partition files live; created when missing */
  CrashLoopBreaker(Path dir) {
    this.dir = dir;
  }

  /** The breaker for {@code cfg}: files under {@code app.temp.dir}/crash-loop/{@code application.id}. */
  static CrashLoopBreaker of(AppConfig cfg) {
    return new CrashLoopBreaker(cfg.tempDir().resolve("crash-loop").resolve(cfg.applicationId()));
  }

  /**
   * Records that {@code topic-partition@offset} is about to be processed and returns how many times the instance died
   * while processing exactly this record before (0 normally); at {@link #MAX_CRASHES} or more the caller dead-letters
   * it instead.
   */
  int begin(String topic, int partition, long offset) {
    if (broken) {
      return 0;
    }
    Path file = file(topic, partition);
    int crashes = 0;
    try {
      if (Files.exists(file)) {
        String[] f = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
        if (f.length == 2 && Long.parseLong(f[0]) == offset) {
          crashes = Integer.parseInt(f[1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      crashes = 0; // a torn or foreign file: this attempt counts from zero
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(file, offset + " " + (crashes + 1) + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      broken = true;
      LOG.warn("crash-loop breaker off: cannot write {} ({}); a record that kills the instance will be retried "
          + "after every restart", file, e.toString());
    }
    if (crashes > 0) {
      LOG.warn("input record {}-{}@{} was being processed when the instance died {} time(s) in a row{}", topic,
          partition, offset, crashes, crashes >= MAX_CRASHES ? ": sending it to the dead letters (process/CRASH_LOOP)"
              : "; trying once more");
    }
    return crashes;
  }

  /** The record of {@code topic-partition} begun last was processed (or dead-lettered): forget it. */
  void end(String topic, int partition) {
    if (broken) {
      return;
    }
    try {
      Files.deleteIfExists(file(topic, partition));
    } catch (IOException e) {
      LOG.debug("cannot delete {}", file(topic, partition), e);
    }
  }

  /** The file of one input partition. */
  Path file(String topic, int partition) {
    return dir.resolve(topic + "-" + partition);
  }

  /** The dead-letter cause of a record on which the instance died {@code crashes} times. */
  static RuntimeException failure(String topic, int partition, long offset, int crashes, Path file) {
    return new CrashLoopException("input record " + topic + "-" + partition + "@" + offset + " was being processed "
        + "when the instance died " + crashes + " times in a row; dead-lettered instead of a further attempt (state: "
        + file + ")");
  }

  /** A record on which the instance died {@value #MAX_CRASHES} times in a row. */
  static final class CrashLoopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CrashLoopException(String message) {
      super(message);
    }
  }
}
