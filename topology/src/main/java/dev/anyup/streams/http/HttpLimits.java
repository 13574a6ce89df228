package dev.anyup.streams.http;

import java.time.Duration;

/**
 * What one HTTP port grants a client: why each bound exists is in {@link BoundedHttpServer}; the figures behind the
 * defaults are in RELIABILITY.md ("HTTP ports under slow clients").
 *
 * @param headerTimeout how long a new connection may take to send its first request's headers (a half-sent or
 *     trickled request line is closed after it)
 * @param bodyTimeout how long a handler may take to read one request body (a trickled upload is cut after it)
 * @param idleTimeout how long a connection may stay silent, between requests or in the middle of one
 * @param maxConnections open connections per port; the next one is closed at once (refused fast, not queued)
 * @param workers requests handled at once per port, besides {@code /health} and {@code /ready}, which bypass the
 *     bound; a request beyond them waits, without a thread, for up to {@code queueTimeout}, then is answered 503
 * @param queueTimeout how long a request may wait for a worker
 */
public record HttpLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout, int maxConnections,
    int workers, Duration queueTimeout) {

  public HttpLimits {
    positive("header timeout", headerTimeout);
    positive("body timeout", bodyTimeout);
    positive("idle timeout", idleTimeout);
    positive("queue timeout", queueTimeout);
    if (maxConnections < 1 || maxConnections > 100_000) {
      throw new IllegalArgumentException("max connections must be in [1, 100000] but was " + maxConnections);
    }
    if (workers < 1 || workers > 1_000) {
      throw new IllegalArgumentException("workers must be in [1, 1000] but was " + workers);
    }
  }

  /**
   * 5 s for headers (a real client sends them in one packet), 60 s for a body (a 20 MB upload at 3 Mbit/s), 30 s
   * idle (longer than a browser's keep-alive reuse of the console's 1 s polling), 512 connections (each costs a file
   * descriptor and a few KB: the process's 1024-descriptor default limit keeps room for Kafka clients), 16 workers
   * (8 per core here: a query is milliseconds of CPU), 5 s in the queue (200 concurrent clients of
   * {@code /api/similar} wait there, not in a 503).
   */
  public static HttpLimits defaults() {
    return new HttpLimits(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30), 512, 16,
        Duration.ofSeconds(5));
  }

  private static void positive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive but was " + d);
    }
  }
}
