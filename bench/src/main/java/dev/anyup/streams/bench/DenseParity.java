package dev.anyup.streams.bench;

import dev.anyup.streams.avro.DType;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.serdes.SpecificAvroDeserializer;
import dev.anyup.streams.serdes.TensorBytes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Whether the two pipelines did the same job: the app's {@link DenseFeatures} record and the Python loop's raw
 * FLOAT16 bytes for the same input image, compared element by element (decode, preprocessing, models, FP16 all
 * included). Differences come from JPEG decoding (ImageIO vs PIL), the two preprocessing implementations, ONNX Runtime
 * vs PyTorch and the windowed vs upstream AnyUp attention, each small; a wrong layout, size or weight shows as O(1).
 */
final class DenseParity {

  /** Max and mean |app - python| over all elements, and the largest |value|. */
  record Diff(String key, int elements, double maxAbsDiff, double meanAbsDiff, double maxAbsValue) {}

  private DenseParity() {}

  static Diff compare(PipelineRun.Stack stack, String appTopic, String pythonTopic, String key) {
    byte[] appValue = read(stack, appTopic, key);
    byte[] pyValue = read(stack, pythonTopic, key);
    DenseFeatures app;
    try (SpecificAvroDeserializer<DenseFeatures> values = new SpecificAvroDeserializer<>(DenseFeatures.class)) {
      values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
      app = values.deserialize(appTopic, appValue);
    }
    List<Integer> shape = app.getHeader().getShape();
    if (app.getHeader().getDtype() != DType.FLOAT16 || !"CHW".equals(app.getHeader().getLayout().toString())) {
      throw new IllegalStateException("app record " + key + " is " + app.getHeader().getDtype() + " "
          + app.getHeader().getLayout() + ", expected FLOAT16 CHW (the Python loop's format)");
    }
    float[] a = TensorBytes.toFloats(app.getTensor(), DType.FLOAT16, List.of(), shape.get(0));
    float[] p = TensorBytes.toFloats(ByteBuffer.wrap(pyValue), DType.FLOAT16, List.of(), shape.get(0));
    if (a.length != p.length) {
      throw new IllegalStateException("record " + key + ": app has " + a.length + " values " + shape
          + ", the Python loop " + p.length);
    }
    double max = 0;
    double sum = 0;
    double maxValue = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs(a[i] - p[i]);
      max = Math.max(max, d);
      sum += d;
      maxValue = Math.max(maxValue, Math.abs(a[i]));
    }
    return new Diff(key, a.length, max, sum / a.length, maxValue);
  }

  /** The {@code pipeline batch 1} run's dense topic of {@link PipelineRun} (the only "bench-*.dense" topic here). */
  static String appDenseTopic(PipelineRun.Stack stack) {
    try (Admin admin = Admin.create(stack.kafka().clientConfig())) {
      List<String> dense = new ArrayList<>();
      for (String t : admin.listTopics().names().get(60, TimeUnit.SECONDS)) {
        if (t.startsWith("bench-") && t.endsWith(".dense")) {
          dense.add(t);
        }
      }
      if (dense.size() != 1) {
        throw new IllegalStateException("expected one bench-*.dense topic, found " + dense);
      }
      return dense.get(0);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list topics: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted listing topics", e);
    }
  }

  private static byte[] read(PipelineRun.Stack stack, String topic, String key) {
    Map<String, Object> props = new HashMap<>(stack.kafka().clientConfig());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, stack.kafka().maxMessageBytes());
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, stack.kafka().maxMessageBytes());
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (key.equals(r.key())) {
            return r.value();
          }
        }
      }
      throw new IllegalStateException("no record '" + key + "' in " + topic + " after 60 s");
    }
  }
}
