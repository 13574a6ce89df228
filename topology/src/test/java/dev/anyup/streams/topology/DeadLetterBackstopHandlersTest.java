package dev.anyup.streams.topology;

import static dev.anyup.streams.topology.DeadLetterProductionExceptionHandlerTest.KEY;
import static dev.anyup.streams.topology.DeadLetterProductionExceptionHandlerTest.VALUE;
import static dev.anyup.streams.topology.DeadLetterProductionExceptionHandlerTest.context;
import static dev.anyup.streams.topology.DeadLetterProductionExceptionHandlerTest.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** Kafka Streams' handler backstops write dead letters with the same headers as the processor's own. */
class DeadLetterBackstopHandlersTest {
  private static final Map<String, String> DLQ = Map.of("errors.dead.letter.queue.topic.name", "images.dlq");

  private static DeadLetterProcessingExceptionHandler processing(Map<String, String> cfg) {
    var h = new DeadLetterProcessingExceptionHandler();
    h.configure(cfg);
    return h;
  }

  @Test
  void anExceptionEscapingTheProcessorIsADeadLetterAtStageProcessWithTheInputHeaders() {
    var response = processing(DLQ).handleError(context(), new Record<>(KEY, VALUE, 1234L),
        new IllegalArgumentException("bug"));
    assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
    var dlq = response.deadLetterQueueRecords().get(0);
    assertEquals("images.dlq", dlq.topic());
    assertArrayEquals(KEY, dlq.key());
    assertArrayEquals(VALUE, dlq.value());
    assertEquals("process", header(dlq.headers(), DeadLetterRouter.STAGE));
    assertEquals("ERROR", header(dlq.headers(), DeadLetterRouter.REASON));
    assertEquals(IllegalArgumentException.class.getName(), header(dlq.headers(), DeadLetterRouter.EXCEPTION));
    assertEquals("bug", header(dlq.headers(), DeadLetterRouter.MESSAGE));
    assertEquals("images", header(dlq.headers(), DeadLetterRouter.TOPIC));
    assertEquals("2", header(dlq.headers(), DeadLetterRouter.PARTITION));
    assertEquals("00-abc-01", header(dlq.headers(), "traceparent"));
  }

  @Test
  void anInterruptedStreamThreadFailsInsteadOfDeadLetteringAHealthyRecord() {
    var response = processing(DLQ).handleError(context(), new Record<>(KEY, VALUE, 1234L),
        new IllegalStateException("interrupted", new InterruptedException()));
    assertEquals(ProcessingExceptionHandler.Result.FAIL, response.result());
    assertTrue(response.deadLetterQueueRecords().isEmpty());
  }

  @Test
  void processingFailsRatherThanDropWithoutADeadLetterTopic() {
    var response = processing(Map.of()).handleError(context(), new Record<>(KEY, VALUE, 1234L),
        new IllegalArgumentException("bug"));
    assertEquals(ProcessingExceptionHandler.Result.FAIL, response.result());
  }

  @Test
  void aSourceDeserializationFailureIsADeadLetterAtStageSource() {
    var h = new DeadLetterDeserializationExceptionHandler();
    h.configure(DLQ);
    var response = h.handleError(context(), new ConsumerRecord<>("images", 2, 17L, KEY, VALUE),
        new SerializationException("bad"));
    assertEquals(DeserializationExceptionHandler.Result.RESUME, response.result());
    var dlq = response.deadLetterQueueRecords().get(0);
    assertEquals("source", header(dlq.headers(), DeadLetterRouter.STAGE));
    assertEquals("DESERIALIZATION", header(dlq.headers(), DeadLetterRouter.REASON));
    assertArrayEquals(VALUE, dlq.value());
    assertEquals("00-abc-01", header(dlq.headers(), "traceparent"));
  }
}
