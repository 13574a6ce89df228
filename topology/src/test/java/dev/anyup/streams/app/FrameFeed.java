package dev.anyup.streams.app;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Camera frames for the frame-policy integration tests: {@code sources} cameras keyed by source id, each frame a small
 * image captured "now" (or at a given time), sent live at a fixed rate until {@link #stopLive()}; and a
 * {@code read_committed} reader of the three places a frame can end (dense outputs, skipped records, dead letters).
 */
final class FrameFeed implements AutoCloseable {
  private final AppConfig cfg;
  private final int sources;
  private final KafkaProducer<byte[], byte[]> producer;
  private final SpecificAvroSerde<ImageEvent> events;
  private final SpecificAvroSerde<DenseFeatures> denseSerde;
  private final List<byte[]> images = new ArrayList<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
  private ScheduledExecutorService live;
  private int seq;
  private KafkaConsumer<byte[], byte[]> denseReader; // opened by the first processedSources()
  private final java.util.Set<String> denseSources = new java.util.TreeSet<>();

  FrameFeed(AppConfig cfg, int sources) {
    this.cfg = cfg;
    this.sources = sources;
    Properties p = cfg.producerProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    events = new SpecificAvroSerde<>(ImageEvent.class);
    events.configure(Map.copyOf(cfg.serdeConfig()), false);
    denseSerde = new SpecificAvroSerde<>(DenseFeatures.class);
    denseSerde.configure(Map.copyOf(cfg.serdeConfig()), false);
    for (int i = 0; i < 8; i++) {
      images.add(TestImages.pattern(64, 48, i, "png"));
    }
  }

  static String source(int i) {
    return "cam-" + i;
  }

  /** One frame from every source, captured at {@code capture}. */
  synchronized void sendRound(Instant capture) {
    for (int s = 0; s < sources; s++) {
      String source = source(s);
      String id = source + "-" + seq;
      ImageEvent e = ImageEvent.newBuilder().setImageId(id).setSourceId(source).setCaptureTimestamp(capture)
          .setContentType("image/png").setImage(java.nio.ByteBuffer.wrap(images.get(seq % images.size())))
          .setAttributes(Map.of()).setUri(null).build();
      byte[] value = events.serializer().serialize(cfg.topics().input(), e);
      producer.send(new ProducerRecord<>(cfg.topics().input(), source.getBytes(StandardCharsets.UTF_8), value),
          (md, ex) -> {
            if (ex != null) {
              sendFailure.compareAndSet(null, ex);
            }
          });
      sent.incrementAndGet();
    }
    seq++;
  }

  /** Starts sending one round (a frame per source, captured now) every {@code period}. */
  void startLive(Duration period) {
    live = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "frame-feed");
      t.setDaemon(true);
      return t;
    });
    live.scheduleAtFixedRate(() -> sendRound(Instant.now()), 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the live feed and flushes; returns the number of frames sent in all. */
  int stopLive() throws InterruptedException {
    if (live != null) {
      live.shutdown();
      if (!live.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("frame feed did not stop");
      }
    }
    producer.flush();
    if (sendFailure.get() != null) {
      throw new IllegalStateException("a frame could not be sent", sendFailure.get());
    }
    return sent.get();
  }

  int sent() {
    return sent.get();
  }

  /** The sources that have a committed dense record so far: one poll of the dense topic, read from its start. */
  synchronized java.util.Set<String> processedSources() {
    if (denseReader == null) {
      Properties p = cfg.consumerProperties();
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "frames-sources-" + UUID.randomUUID());
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      denseReader = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      denseReader.subscribe(List.of(cfg.topics().dense()));
    }
    for (ConsumerRecord<byte[], byte[]> r : denseReader.poll(Duration.ofMillis(100))) {
      denseSources.add(new String(r.key(), StandardCharsets.UTF_8));
    }
    return java.util.Set.copyOf(denseSources);
  }

  /** Where every frame ended, read {@code read_committed}. */
  record Ends(List<ConsumerRecord<byte[], byte[]>> dense, List<ConsumerRecord<byte[], byte[]>> skipped,
      List<ConsumerRecord<byte[], byte[]>> deadLetters) {
    int total() {
      return dense.size() + skipped.size() + deadLetters.size();
    }
  }

  /**
   * Reads the dense, skipped and dead-letter topics from the start until {@code expected} records arrived in all,
   * then two seconds more (duplicates would show up there), or until {@code timeout}.
   */
  Ends collect(int expected, Duration timeout) {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "frames-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> d = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> s = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> l = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(cfg.topics().dense(), cfg.frames().skippedTopic(), cfg.topics().dlq()));
      long deadline = System.nanoTime() + timeout.toNanos();
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          (r.topic().equals(cfg.topics().dense()) ? d : r.topic().equals(cfg.topics().dlq()) ? l : s).add(r);
        }
        if (settleUntil == Long.MAX_VALUE && d.size() + s.size() + l.size() >= expected) {
          settleUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        }
      }
    }
    return new Ends(d, s, l);
  }

  DenseFeatures dense(ConsumerRecord<byte[], byte[]> r) {
    return denseSerde.deserializer().deserialize(r.topic(), r.value());
  }

  @Override
  public void close() {
    if (live != null) {
      live.shutdownNow();
    }
    producer.close();
    if (denseReader != null) {
      denseReader.close();
    }
    events.close();
    denseSerde.close();
  }
}
