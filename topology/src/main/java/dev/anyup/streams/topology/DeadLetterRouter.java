package dev.anyup.streams.topology;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds dead letters: the ORIGINAL key and value bytes, unchanged, plus headers naming the stage, the reason, the
 * exception class and message, and where the record came from (topic, partition, offset, timestamp). Counts every
 * dead letter by stage and reason. Stateless apart from the counters; thread-safe.
 */
public final class DeadLetterRouter {
  public static final String STAGE = "anyup.dlq.stage";
  public static final String REASON = "anyup.dlq.reason";
  public static final String EXCEPTION = "anyup.dlq.exception";
  public static final String MESSAGE = "anyup.dlq.message";
  public static final String TOPIC = "anyup.dlq.topic";
  public static final String PARTITION = "anyup.dlq.partition";
  public static final String OFFSET = "anyup.dlq.offset";
  public static final String TIMESTAMP = "anyup.dlq.timestamp";
  public static final String IMAGE_ID = "anyup.dlq.image.id";

  private static final int MAX_MESSAGE_CHARS = 4000;
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRouter.class);

  private final PipelineMetrics metrics;

  public DeadLetterRouter(PipelineMetrics metrics) {
    this.metrics = metrics;
  }

  /** The dead letter for {@code original} failing with {@code failure}; counts it. */
  Record<byte[], byte[]> deadLetter(Record<byte[], byte[]> original, Optional<RecordMetadata> source,
      PipelineFailure failure, String imageId) {
    Headers headers = headers(failure.stage(), failure.reason(), failure.rootForHeaders(),
        source.map(RecordMetadata::topic).orElse(""), source.map(RecordMetadata::partition).orElse(-1),
        source.map(RecordMetadata::offset).orElse(-1L), original.timestamp(), imageId);
    metrics.deadLetter(failure.stage(), failure.reason());
    LOG.warn("dead letter from {}-{}@{}: {}", source.map(RecordMetadata::topic).orElse("?"),
        source.map(RecordMetadata::partition).orElse(-1), source.map(RecordMetadata::offset).orElse(-1L),
        failure.getMessage());
    return new Record<>(original.key(), original.value(), original.timestamp(), headers);
  }

  /** The dead-letter headers; also used by the production exception handler. */
  public static Headers headers(Stage stage, String reason, Throwable error, String topic, int partition,
      long offset, long timestamp, String imageId) {
    RecordHeaders h = new RecordHeaders();
    h.add(STAGE, utf8(stage.label()));
    h.add(REASON, utf8(reason));
    h.add(EXCEPTION, utf8(error.getClass().getName()));
    String message = String.valueOf(error.getMessage());
    h.add(MESSAGE, utf8(message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) : message));
    h.add(TOPIC, utf8(topic));
    h.add(PARTITION, utf8(Integer.toString(partition)));
    h.add(OFFSET, utf8(Long.toString(offset)));
    h.add(TIMESTAMP, utf8(Long.toString(timestamp)));
    if (imageId != null) {
      h.add(IMAGE_ID, utf8(imageId));
    }
    return h;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
