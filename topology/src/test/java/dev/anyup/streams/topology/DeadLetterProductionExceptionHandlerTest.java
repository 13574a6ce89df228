package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterProductionExceptionHandlerTest {
  static final byte[] KEY = "cam-1".getBytes(StandardCharsets.UTF_8);
  static final byte[] VALUE = {0, 0, 0, 0, 1, 42};

  static ErrorHandlerContext context() {
    RecordHeaders input = new RecordHeaders();
    input.add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));
    return new ErrorHandlerContext() {
      public String topic() { return "images"; }
      public int partition() { return 2; }
      public long offset() { return 17; }
      public Headers headers() { return input; }
      public String processorNodeId() { return "dense-sink"; }
      public TaskId taskId() { return new TaskId(0, 2); }
      public long timestamp() { return 1234; }
      public byte[] sourceRawKey() { return KEY; }
      public byte[] sourceRawValue() { return VALUE; }
    };
  }

  private static DeadLetterProductionExceptionHandler handler(String dlq) {
    var h = new DeadLetterProductionExceptionHandler();
    h.configure(dlq == null ? Map.of() : Map.of("errors.dead.letter.queue.topic.name", dlq));
    return h;
  }

  @Test
  void sendsTheSourceRecordsOriginalBytesToTheDeadLetterTopicAndResumesWhenTheBrokerRefusesAnOutput() {
    var response = handler("images.dlq").handleError(context(),
        new ProducerRecord<>("features.dense", new byte[10], new byte[10]), new RecordTooLargeException("big"));
    assertEquals(ProductionExceptionHandler.Result.RESUME, response.result());
    var dlq = response.deadLetterQueueRecords().get(0);
    assertEquals("images.dlq", dlq.topic());
    assertArrayEquals(KEY, dlq.key());
    assertArrayEquals(VALUE, dlq.value());
    assertEquals("produce", new String(dlq.headers().lastHeader(DeadLetterRouter.STAGE).value(),
        StandardCharsets.UTF_8));
    assertEquals("17", new String(dlq.headers().lastHeader(DeadLetterRouter.OFFSET).value(),
        StandardCharsets.UTF_8));
    assertEquals("BROKER_REJECTED", header(dlq.headers(), DeadLetterRouter.REASON));
    assertEquals(RecordTooLargeException.class.getName(), header(dlq.headers(), DeadLetterRouter.EXCEPTION));
    assertEquals("big", header(dlq.headers(), DeadLetterRouter.MESSAGE));
    assertEquals("00-abc-01", header(dlq.headers(), "traceparent"), "the input's own headers are kept");
  }

  @Test
  void reportsAnOutputSerializationFailureWithReasonSerialization() {
    var response = handler("images.dlq").handleSerializationError(context(),
        new ProducerRecord<>("features.dense", "k", "v"), new SerializationException("no schema"),
        ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertEquals(ProductionExceptionHandler.Result.RESUME, response.result());
    var dlq = response.deadLetterQueueRecords().get(0);
    assertEquals("produce", header(dlq.headers(), DeadLetterRouter.STAGE));
    assertEquals("SERIALIZATION", header(dlq.headers(), DeadLetterRouter.REASON));
  }

  static String header(Headers h, String key) {
    return h.lastHeader(key) == null ? null : new String(h.lastHeader(key).value(), StandardCharsets.UTF_8);
  }

  @Test
  void retriesRetriableProduceErrors() {
    var response = handler("images.dlq").handleError(context(),
        new ProducerRecord<>("features.dense", new byte[1], new byte[1]), new NotEnoughReplicasException("wait"));
    assertEquals(ProductionExceptionHandler.Result.RETRY, response.result());
  }

  @Test
  void failsRatherThanDropWhenThereIsNoDeadLetterTopic() {
    var response = handler(null).handleError(context(),
        new ProducerRecord<>("features.dense", new byte[1], new byte[1]), new RecordTooLargeException("big"));
    assertEquals(ProductionExceptionHandler.Result.FAIL, response.result());
    assertTrue(response.deadLetterQueueRecords().isEmpty());
  }
}
