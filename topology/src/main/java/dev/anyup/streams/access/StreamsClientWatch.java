package dev.anyup.streams.access;

import java.util.Optional;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uncaught-exception handler of a Kafka Streams client that serves reads ({@code serve}'s index): any exception
 * that kills its stream thread shuts the client down (Kafka Streams' own default), and this remembers why, in one line,
 * so that {@code /health} and the API answer 503 with the reason instead of an empty reply from an index that no
 * longer follows its topic. An {@link AccessFailure} is described with the ACL it lacks and logged without a stack
 * trace; anything else is logged once with its stack trace.
 */
public final class StreamsClientWatch implements StreamsUncaughtExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsClientWatch.class);

  private final String what;
  private final AccessContext access;
  private volatile String stopped;

  /** @param what the client's role, for the log line ("the retrieval index of images.embeddings") */
  public StreamsClientWatch(String what, AccessContext access) {
    this.what = what;
    this.access = access;
  }

  @Override
  public StreamThreadExceptionResponse handle(Throwable exception) {
    Optional<AccessFailure> denied = AccessFailure.of(exception, access);
    synchronized (this) {
      if (stopped == null) {
        stopped = what + " stopped: " + denied.map(AccessFailure::message)
            .orElse("its Kafka Streams client failed: " + AccessFailure.rootMessage(exception));
        if (denied.isPresent()) {
          LOG.error("{}", stopped);
        } else {
          LOG.error("{}", stopped, exception);
        }
      }
    }
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  /** Why the client stopped for good, or empty while it runs. */
  public Optional<String> stopped() {
    return Optional.ofNullable(stopped);
  }
}
