package dev.anyup.streams.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backstop for an exception that escapes the processor (every record failure of ours is a {@link PipelineFailure}
 * dead-lettered inside it, so this is a bug or an unexpected library error): the source record's original key, value
 * and headers go to the dead-letter topic with stage {@code process}, reason {@code ERROR} and the usual
 * {@code anyup.dlq.*} headers, and processing resumes — one bad record never stops a partition. Two exceptions fail
 * the stream thread instead, so the record is processed again rather than lost: an interrupted thread (it is being
 * stopped; the record is healthy) and a missing dead-letter topic.
 */
public final class DeadLetterProcessingExceptionHandler implements ProcessingExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingExceptionHandler.class);
  private String deadLetterTopic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = t == null ? null : t.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (interrupted(exception)) {
      LOG.warn("processing of {}-{}@{} interrupted: failing the stream thread, the record will be processed again",
          context.topic(), context.partition(), context.offset());
      return Response.fail();
    }
    if (deadLetterTopic == null) {
      LOG.error("processing {}-{}@{} failed and there is no dead-letter topic: failing the stream thread",
          context.topic(), context.partition(), context.offset(), exception);
      return Response.fail();
    }
    LOG.error("processing {}-{}@{} failed outside the pipeline's own error handling; the record goes to {}",
        context.topic(), context.partition(), context.offset(), deadLetterTopic, exception);
    return Response.resume(List.of(DeadLetterRouter.backstop(deadLetterTopic, context,
        DeadLetterReason.PROCESS_ERROR, exception)));
  }

  private static boolean interrupted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }
}
