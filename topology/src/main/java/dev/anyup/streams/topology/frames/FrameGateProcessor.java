package dev.anyup.streams.topology.frames;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.avro.ImageEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decides per input record, before anything is decoded, whether the frame goes on to the image processor or is
 * skipped: {@code STALE} when its age (injected wall clock minus capture timestamp) exceeds the limit, else
 * {@code SAMPLED} when it is less than the interval after the last frame of its source that went on (by event time,
 * kept in the changelogged store, so the decision survives restarts and rebalances exactly-once). A record whose value
 * does not deserialise goes on unchanged: the image processor dead-letters it with its original bytes. Everything is
 * forwarded synchronously in input order, so skipping never reorders a source's outputs, and the skipped record and
 * the store update are in the same transaction as the input offset.
 */
final class FrameGateProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FramePolicy policy;
  private final Deserializer<ImageEvent> events;
  private final FrameMetrics metrics;
  private final LongSupplier wallClockMillis;
  private final String downstream;
  private final String input;
  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Bytes, Long> lastProcessed;

  FrameGateProcessor(FramePolicy policy, Deserializer<ImageEvent> events, FrameMetrics metrics,
      LongSupplier wallClockMillis, String downstream, String input) {
    this.policy = policy;
    this.events = events;
    this.metrics = metrics;
    this.wallClockMillis = wallClockMillis;
    this.downstream = downstream;
    this.input = input;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    if (policy.sampling()) {
      lastProcessed = context.getStateStore(FrameGate.STORE);
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    ImageEvent event = readOrNull(record);
    if (event == null) {
      context.forward(record, downstream);
      return;
    }
    long eventTime = event.getCaptureTimestamp().toEpochMilli();
    long age = wallClockMillis.getAsLong() - eventTime;
    if (policy.freshness() && age > policy.maxAge().toMillis()) {
      skip(record, event, age, SkipReason.STALE, policy.maxAge().toMillis());
      return;
    }
    if (policy.sampling()) {
      Bytes key = Bytes.wrap(record.key() != null ? record.key()
          : event.getSourceId().getBytes(StandardCharsets.UTF_8));
      Long last = lastProcessed.get(key);
      if (last != null && eventTime - last < policy.minInterval().toMillis()) {
        skip(record, event, age, SkipReason.SAMPLED, policy.minInterval().toMillis());
        return;
      }
      lastProcessed.put(key, eventTime);
    }
    context.forward(record, downstream);
  }

  private ImageEvent readOrNull(Record<byte[], byte[]> record) {
    if (record.value() == null) {
      return null;
    }
    try {
      String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(input);
      return events.deserialize(topic, record.headers(), record.value());
    } catch (RuntimeException e) {
      return null; // the image processor reads it again and dead-letters it with the reason
    }
  }

  private void skip(Record<byte[], byte[]> record, ImageEvent event, long age, SkipReason reason, long limit) {
    metrics.skipped(reason, event.getSourceId());
    if (policy.publishesSkipped()) {
      context.forward(new Record<>(record.key(), skippedJson(event, age, reason, limit), record.timestamp(),
          new RecordHeaders()), FrameGate.SKIPPED_SINK);
    }
  }

  /** The {@code frames.skipped.topic} value: a flat JSON object, documented in topology/README.md. */
  static byte[] skippedJson(ImageEvent event, long age, SkipReason reason, long limit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("image_id", event.getImageId());
    m.put("source_id", event.getSourceId());
    m.put("event_time", event.getCaptureTimestamp().toEpochMilli());
    m.put("age_ms", age);
    m.put("reason", reason.name());
    m.put("limit_ms", limit);
    try {
      return JSON.writeValueAsBytes(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the skipped-frame record of image " + event.getImageId(), e);
    }
  }
}
