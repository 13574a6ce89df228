package dev.anyup.streams.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backstop for output records the broker refuses despite the processor's size check (e.g. a topic's
 * {@code max.message.bytes} lowered behind our back): writes the SOURCE record's original key and value to the
 * dead-letter topic ({@code errors.dead.letter.queue.topic.name}, KIP-1034) with stage {@code produce}, reason
 * {@code BROKER_REJECTED} or {@code SERIALIZATION}, the source record's headers and the usual {@code anyup.dlq.*}
 * headers, and resumes.
 * Retriable errors are retried; without a dead-letter topic the stream fails rather than drop the record.
 */
public final class DeadLetterProductionExceptionHandler implements ProductionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionExceptionHandler.class);
  private String deadLetterTopic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = t == null ? null : t.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
      Exception exception) {
    if (exception instanceof RetriableException) {
      return Response.retry();
    }
    return deadLetter(context, record, exception);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
      SerializationExceptionOrigin origin) {
    return deadLetter(context, record, exception);
  }

  private Response deadLetter(ErrorHandlerContext context, ProducerRecord<?, ?> record, Exception exception) {
    if (deadLetterTopic == null || (record != null && deadLetterTopic.equals(record.topic()))) {
      LOG.error("cannot produce to {} and no other dead-letter route: failing the stream thread",
          record == null ? "?" : record.topic(), exception);
      return Response.fail();
    }
    LOG.warn("producing to {} failed; source record {}-{}@{} goes to dead letters: {}",
        record == null ? "?" : record.topic(), context.topic(), context.partition(), context.offset(),
        exception.toString());
    return Response.resume(List.of(DeadLetterRouter.backstop(deadLetterTopic, context,
        DeadLetterReason.ofProduction(exception), exception)));
  }
}
