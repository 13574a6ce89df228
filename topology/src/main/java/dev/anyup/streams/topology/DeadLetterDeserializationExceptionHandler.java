package dev.anyup.streams.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backstop for the source deserialisers. The topology's source reads raw bytes, so this only fires if the source is
 * changed: the record's original key, value and headers go to the dead-letter topic with stage {@code source},
 * reason {@code DESERIALIZATION} and the usual {@code anyup.dlq.*} headers, and processing resumes. Without a
 * dead-letter topic the stream thread fails rather than drop the record.
 */
public final class DeadLetterDeserializationExceptionHandler implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationExceptionHandler.class);
  private String deadLetterTopic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = t == null ? null : t.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    if (deadLetterTopic == null) {
      LOG.error("cannot deserialise {}-{}@{} and there is no dead-letter topic: failing the stream thread",
          context.topic(), context.partition(), context.offset(), exception);
      return Response.fail();
    }
    LOG.warn("cannot deserialise {}-{}@{}; the record goes to {}: {}", context.topic(), context.partition(),
        context.offset(), deadLetterTopic, exception.toString());
    return Response.resume(List.of(DeadLetterRouter.backstop(deadLetterTopic, context,
        DeadLetterReason.SOURCE_DESERIALIZATION, exception)));
  }
}
