package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.SegmentationMap;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Raw input bytes in, serialised output bytes out: deserialises the {@link ImageEvent} itself (so a bad value is OUR
 * dead letter with its original bytes), runs the {@link ImagePipeline} synchronously, serialises its outputs (dense,
 * embedding and, with a segmentation head, the label map) and checks their size against the producer's
 * {@code max.request.size} before forwarding anything. An image yields either all its enabled outputs or one dead
 * letter — never a half: all are forwarded in the same task, so they commit in the same transaction. Keys are
 * forwarded unchanged, so per-key order holds. A record on which the instance died twice in a row is dead-lettered
 * without another attempt ({@link CrashLoopBreaker}).
 */
final class ImageFeaturesProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  /** Producer batch/record framing allowance on top of key, value and headers. */
  static final int RECORD_OVERHEAD_BYTES = 512;

  private final AppConfig.Topics topics;
  private final Deserializer<ImageEvent> eventDeserializer;
  private final Serializer<DenseFeatures> denseSerializer;
  private final Serializer<ImageEmbedding> embeddingSerializer;
  private final Serializer<SegmentationMap> segmentsSerializer;
  private final String segmentsTopic;
  private final ImagePipeline pipeline;
  private final DeadLetterRouter deadLetters;
  private final PipelineMetrics metrics;
  private final int maxRequestSize;
  private final LongSupplier ticker;
  private final OutputTap tap;
  private final CrashLoopBreaker breaker;
  private ProcessorContext<byte[], byte[]> context;

  ImageFeaturesProcessor(AppConfig cfg, TopologySerdes serdes, ImagePipeline pipeline, DeadLetterRouter deadLetters,
      PipelineMetrics metrics, LongSupplier ticker, OutputTap tap, CrashLoopBreaker breaker) {
    this.topics = cfg.topics();
    this.eventDeserializer = serdes.imageEvents();
    this.denseSerializer = serdes.dense();
    this.embeddingSerializer = serdes.embeddings();
    this.segmentsSerializer = serdes.segments();
    this.segmentsTopic = cfg.segmentation().topic();
    this.pipeline = pipeline;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.maxRequestSize = cfg.maxRequestSize();
    this.ticker = ticker;
    this.tap = tap;
    this.breaker = breaker;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    Optional<RecordMetadata> meta = context.recordMetadata();
    if (meta.isEmpty()) {
      processOnce(record);
      return;
    }
    RecordMetadata m = meta.get();
    int crashes = breaker.begin(m.topic(), m.partition(), m.offset());
    try {
      if (crashes >= CrashLoopBreaker.MAX_CRASHES) {
        deadLetter(record, new PipelineFailure(DeadLetterReason.PROCESS_CRASH_LOOP, null, CrashLoopBreaker.failure(
            m.topic(), m.partition(), m.offset(), crashes, breaker.file(m.topic(), m.partition()))), null);
      } else {
        processOnce(record);
      }
    } finally {
      breaker.end(m.topic(), m.partition());
    }
  }

  private void processOnce(Record<byte[], byte[]> record) {
    long start = ticker.getAsLong();
    String imageId = null;
    try {
      ImageEvent event = deserialize(record);
      imageId = event.getImageId();
      ImagePipeline.Outputs out = pipeline.process(event);
      byte[] dense = out.dense() == null ? null : serialize(denseSerializer, topics.dense(), out.dense(), imageId);
      byte[] embedding = out.embedding() == null ? null
          : serialize(embeddingSerializer, topics.embeddings(), out.embedding(), imageId);
      byte[] segments = out.segments() == null ? null
          : serialize(segmentsSerializer, segmentsTopic, out.segments(), imageId);
      checkSize(record.key(), dense, topics.dense(), imageId);
      checkSize(record.key(), embedding, topics.embeddings(), imageId);
      checkSize(record.key(), segments, segmentsTopic, imageId);
      if (dense != null) {
        forward(record, dense, topics.dense(), AnyupTopology.DENSE_SINK);
      }
      if (embedding != null) {
        forward(record, embedding, topics.embeddings(), AnyupTopology.EMBEDDINGS_SINK);
      }
      if (segments != null) {
        forward(record, segments, segmentsTopic, AnyupTopology.SEGMENTS_SINK);
        metrics.labelMap();
      }
      metrics.processed(ticker.getAsLong() - start);
      metrics.frameAge(event.getSourceId(), processedAt(out) - event.getCaptureTimestamp().toEpochMilli());
      if (out.segments() != null) {
        tap.segmented(event, out.segments());
      }
      tap.processed(event, out.dense());
    } catch (PipelineFailure failure) {
      deadLetter(record, failure, imageId);
    }
  }

  private void deadLetter(Record<byte[], byte[]> record, PipelineFailure failure, String imageId) {
    context.forward(deadLetters.deadLetter(record, context.recordMetadata(), failure, imageId),
        AnyupTopology.DLQ_SINK);
    tap.deadLettered(new OutputTap.DeadLetter(failure.reason().stage().label(), failure.reason().code(),
        String.valueOf(failure.rootForHeaders().getMessage()), imageId, record.key(), record.value(),
        record.timestamp()));
  }

  private static long processedAt(ImagePipeline.Outputs out) {
    return out.dense() != null ? out.dense().getProcessedTimestamp().toEpochMilli()
        : out.embedding().getProcessedTimestamp().toEpochMilli();
  }

  private ImageEvent deserialize(Record<byte[], byte[]> record) {
    long t = ticker.getAsLong();
    if (record.value() == null) {
      throw new PipelineFailure(DeadLetterReason.DESERIALIZE_NULL_VALUE, null,
          new NoImageException("record value is null (tombstones carry no image)"));
    }
    ImageEvent event;
    try {
      event = eventDeserializer.deserialize(sourceTopic(), record.headers(), record.value());
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.ofDeserialization(e), null, e);
    }
    if (event == null) {
      throw new PipelineFailure(DeadLetterReason.DESERIALIZE_NULL_VALUE, null,
          new NoImageException("value deserialised to null"));
    }
    metrics.stage(Stage.DESERIALIZE, ticker.getAsLong() - t);
    return event;
  }

  private String sourceTopic() {
    return context.recordMetadata().map(RecordMetadata::topic).orElse(topics.input());
  }

  private static <T> byte[] serialize(Serializer<T> serializer, String topic, T value, String imageId) {
    try {
      return serializer.serialize(topic, new RecordHeaders(), value);
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.ENCODE_ERROR, imageId, e);
    }
  }

  private void checkSize(byte[] key, byte[] value, String topic, String imageId) {
    if (value == null) {
      return;
    }
    long size = (long) (key == null ? 0 : key.length) + value.length + RECORD_OVERHEAD_BYTES;
    if (size > maxRequestSize) {
      throw new PipelineFailure(DeadLetterReason.PRODUCE_RECORD_TOO_LARGE, imageId, new RecordTooLargeForTopicException(
          "record for topic " + topic + " of image " + imageId + " would be " + size
              + " bytes, more than producer max.request.size " + maxRequestSize));
    }
  }

  private void forward(Record<byte[], byte[]> input, byte[] value, String topic, String sink) {
    Headers headers = new RecordHeaders();
    for (Header h : input.headers()) {
      if (!h.key().startsWith("anyup.dlq.")) {
        headers.add(h);
      }
    }
    context.forward(new Record<>(input.key(), value, input.timestamp(), headers), sink);
    metrics.bytesOut(topic, value.length);
  }

  /** An output record that would exceed the producer's {@code max.request.size}. */
  static final class RecordTooLargeForTopicException extends RuntimeException {
    RecordTooLargeForTopicException(String message) {
      super(message);
    }
  }
}
