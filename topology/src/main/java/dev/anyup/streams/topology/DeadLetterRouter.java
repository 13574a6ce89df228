package dev.anyup.streams.topology;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds dead letters: the ORIGINAL key and value bytes, unchanged, the input record's own headers, then headers
 * naming the stage, the reason code ({@link DeadLetterReason}), the exception class and message, and where the record
 * came from (topic, partition, offset, timestamp). Input headers that already start with {@code anyup.dlq.} (a dead
 * letter replayed to the input) are dropped so each {@code anyup.dlq.*} header appears once. Counts every dead letter
 * by stage and reason. Stateless apart from the counters; thread-safe.
 */
public final class DeadLetterRouter {
  public static final String PREFIX = "anyup.dlq.";
  public static final String STAGE = PREFIX + "stage";
  public static final String REASON = PREFIX + "reason";
  public static final String EXCEPTION = PREFIX + "exception";
  public static final String MESSAGE = PREFIX + "message";
  public static final String TOPIC = PREFIX + "topic";
  public static final String PARTITION = PREFIX + "partition";
  public static final String OFFSET = PREFIX + "offset";
  public static final String TIMESTAMP = PREFIX + "timestamp";
  public static final String IMAGE_ID = PREFIX + "image.id";

  private static final int MAX_MESSAGE_CHARS = 4000;
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRouter.class);

  private final PipelineMetrics metrics;

  public DeadLetterRouter(PipelineMetrics metrics) {
    this.metrics = metrics;
  }

  /** The dead letter for {@code original} failing with {@code failure}; counts it. */
  Record<byte[], byte[]> deadLetter(Record<byte[], byte[]> original, Optional<RecordMetadata> source,
      PipelineFailure failure, String imageId) {
    Headers headers = headers(failure.reason(), failure.rootForHeaders(), original.headers(),
        source.map(RecordMetadata::topic).orElse(""), source.map(RecordMetadata::partition).orElse(-1),
        source.map(RecordMetadata::offset).orElse(-1L), original.timestamp(), imageId);
    metrics.deadLetter(failure.reason());
    LOG.warn("dead letter from {}-{}@{}: {}", source.map(RecordMetadata::topic).orElse("?"),
        source.map(RecordMetadata::partition).orElse(-1), source.map(RecordMetadata::offset).orElse(-1L),
        failure.getMessage());
    return new Record<>(original.key(), original.value(), original.timestamp(), headers);
  }

  /**
   * The dead-letter headers: a copy of {@code input} (may be null) without {@code anyup.dlq.*}, then ours. Also used
   * by the Kafka Streams handler backstops.
   */
  public static Headers headers(DeadLetterReason reason, Throwable error, Headers input, String topic,
      int partition, long offset, long timestamp, String imageId) {
    RecordHeaders h = new RecordHeaders();
    if (input != null) {
      for (Header header : input) {
        if (!header.key().startsWith(PREFIX)) {
          h.add(header);
        }
      }
    }
    h.add(STAGE, utf8(reason.stage().label()));
    h.add(REASON, utf8(reason.code()));
    h.add(EXCEPTION, utf8(error.getClass().getName()));
    String message = String.valueOf(error.getMessage());
    h.add(MESSAGE, utf8(message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) : message));
    h.add(TOPIC, utf8(topic == null ? "" : topic));
    h.add(PARTITION, utf8(Integer.toString(partition)));
    h.add(OFFSET, utf8(Long.toString(offset)));
    h.add(TIMESTAMP, utf8(Long.toString(timestamp)));
    if (imageId != null) {
      h.add(IMAGE_ID, utf8(imageId));
    }
    return h;
  }

  /**
   * A dead letter built by a Kafka Streams handler backstop from its error context: the source record's raw key,
   * value and headers, with the same {@code anyup.dlq.*} headers as the processor's own dead letters.
   */
  static ProducerRecord<byte[], byte[]> backstop(String deadLetterTopic, ErrorHandlerContext context,
      DeadLetterReason reason, Exception exception) {
    return new ProducerRecord<>(deadLetterTopic, null, context.timestamp(), context.sourceRawKey(),
        context.sourceRawValue(), headers(reason, exception, context.headers(), context.topic(), context.partition(),
            context.offset(), context.timestamp(), null));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
