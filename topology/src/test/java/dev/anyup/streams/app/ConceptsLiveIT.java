package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, "Live": two app instances (same application id, one input partition each) label a steady feed with the
 * {@code concepts} head while a concept is added, changed and removed through the concepts topic. A seed concept is
 * written before the instances start, so each builds its first concept set through the global store's restoration.
 * Asserted on the committed ({@code read_committed}) outputs: every label map names the concept-set version it used
 * and the class names that version implies, no frame uses a concept before its record was written, each source's
 * versions never go back (once its instance applied a change, later frames use it), the changed threshold shows in the
 * labels, and every input has exactly one label map, one dense and one embedding record. Measured, not asserted: the
 * delay from each write's acknowledgement (acks=all) to its first use on each instance (printed and written to
 * {@code target/reliability/concepts-live.txt} for topology/README.md).
 */
@ExtendWith(SharedStack.class)
class ConceptsLiveIT {
  private static final int PARTITIONS = 2;
  private static final long FEED_INTERVAL_MS = 250;

  @TempDir Path dir;

  /** A committed output as the reader saw it. */
  private record Seen(String topic, String key, String imageId, SegmentationMap map) {}

  /** One concept write: its offset and when the broker acknowledged it (wall clock). */
  private record Write(String what, long offset, long ackMillis, long sentMillis) {}

  @Test
  void conceptsAddedChangedAndRemovedWhileImagesFlowApplyOnBothInstancesExactlyOnce() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "concepts-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> extra = new HashMap<>(Map.of("topics.partitions", Integer.toString(PARTITIONS),
        "output.dense.size", "28", "streams.num.stream.threads", "1", "segmentation.head", "concepts",
        "segmentation.topic", prefix + "segments", "segmentation.concepts.topic", prefix + "concepts"));
    AppConfig base = ItSupport.config(stack, prefix, extra);
    List<byte[]> images = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : SampleImages.load().entrySet()) {
      if (!e.getKey().endsWith(".webp") && images.size() < 2) {
        images.add(e.getValue());
      }
    }
    // prototypes from the default bundle itself: sky = top half of image 0, grass = its bottom half
    String encoderSha;
    float[] top;
    float[] bottom;
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      encoderSha = bundle.encoderRef().sha256();
      var pre = bundle.preprocessor(224, ResizeMode.SHORTER_SIDE_CENTER_CROP)
          .apply(ImageDecoder.create(ImageLimits.defaults()).decode("proto", images.get(0)));
      FeatureMap f = bundle.extractor(224).run(List.of(pre)).get(0).upsampled();
      top = ConceptSet.prototype(f, half(f, true));
      bottom = ConceptSet.prototype(f, half(f, false));
    }
    String conceptsTopic = base.segmentation().conceptsTopic();
    List<Write> writes = new ArrayList<>();
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger();
    List<String> report = new ArrayList<>();
    Properties pp = base.producerProperties();
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    try (ItSupport.Client client = new ItSupport.Client(base);
        SpecificAvroSerde<Concept> conceptSerde = client.serde(Concept.class);
        KafkaProducer<byte[], byte[]> concepts = new KafkaProducer<>(pp, new ByteArraySerializer(),
            new ByteArraySerializer())) {
      createConceptsTopic(base);
      Write seed = write(concepts, conceptSerde, conceptsTopic, "sky",
          concept("sky", top, -1, encoderSha), "seed sky (before start)");
      writes.add(seed);

      AnyupApp a = null;
      AnyupApp b = null;
      Thread feeder = new Thread(() -> feed(client, images, stop, sent), "feeder");
      Thread reader = new Thread(() -> read(base, seen), "reader");
      try {
        a = AnyupApp.start(instance(base, "a"));
        b = AnyupApp.start(instance(base, "b"));
        List<AnyupApp> apps = List.of(a, b);
        for (AnyupApp app : apps) {
          await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
              .until(() -> app.state() == KafkaStreams.State.RUNNING && ItSupport.httpGet(app.httpPort(), "/ready")
                  == 200);
          assertEquals(seed.offset() + 1, version(app), "the seed concept was restored through the processor");
        }
        feeder.start();
        reader.start();
        // both instances label frames before anything changes
        for (AnyupApp app : apps) {
          await().atMost(Duration.ofSeconds(120)).until(() -> app.metrics().labelMaps() >= 3);
        }

        double[][] before = firstUses(apps);
        Write add = write(concepts, conceptSerde, conceptsTopic, "grass",
            concept("grass", bottom, 1.0, encoderSha), "add grass (threshold 1.0)");
        awaitUse(apps, add, before, writes, report, seen);
        before = firstUses(apps);
        Write change = write(concepts, conceptSerde, conceptsTopic, "grass",
            concept("grass", bottom, -1.0, encoderSha), "change grass (threshold -1)");
        awaitUse(apps, change, before, writes, report, seen);
        before = firstUses(apps);
        Write remove = write(concepts, conceptSerde, conceptsTopic, "grass", null, "remove grass (tombstone)");
        awaitUse(apps, remove, before, writes, report, seen);

        stop.set(true);
        feeder.join(10_000);
        int n = sent.get();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> seen.stream().filter(s -> s.map() != null).count() >= n
                && seen.stream().filter(s -> s.topic().endsWith("dense")).count() >= n
                && seen.stream().filter(s -> s.topic().endsWith("embeddings")).count() >= n);
        // keep reading until nothing new arrives for 3 s: late duplicates would show up here
        AtomicInteger count = new AtomicInteger(seen.size());
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> count.getAndSet(seen.size()) == seen.size());
        reader.interrupt();
        reader.join(10_000);

        // exactly once: every input one label map, one dense and one embedding record
        Map<String, Integer> maps = new TreeMap<>();
        Map<String, Integer> dense = new TreeMap<>();
        Map<String, Integer> emb = new TreeMap<>();
        for (Seen s : seen) {
          (s.map() != null ? maps : s.topic().endsWith("dense") ? dense : emb).merge(s.imageId(), 1, Integer::sum);
        }
        report.add(String.format("inputs %d; label maps %d distinct (max %d per image), dense %d (max %d), "
            + "embeddings %d (max %d)", n, maps.size(), max(maps), dense.size(), max(dense), emb.size(), max(emb)));
        String text = String.join("\n", report);
        System.out.println("ConceptsLiveIT\n" + text);
        Path out = Path.of("target", "reliability");
        Files.createDirectories(out);
        Files.writeString(out.resolve("concepts-live.txt"), text + "\n");
        assertEquals(n, maps.size(), "every input has a label map");
        assertEquals(n, dense.size(), "every input has a dense record");
        assertEquals(n, emb.size(), "every input has an embedding");
        assertEquals(1, max(maps), "no label map twice");
        assertEquals(1, max(dense), "no dense record twice");
        assertEquals(1, max(emb), "no embedding twice");

        checkVersions(seen, seed, add, change, remove);
      } finally {
        stop.set(true);
        feeder.join(10_000);
        reader.interrupt();
        reader.join(10_000);
        if (a != null) {
          a.close();
        }
        if (b != null) {
          b.close();
        }
      }
    }
  }

  /**
   * Every label map names a version and the class names that version implies; a frame using version v was made
   * after the write of offset v - 1; each source's versions never go back; with grass at threshold -1, no pixel is
   * unknown, and at threshold 1.0 some frame has unknown pixels (so the change is visible in the labels).
   */
  private static void checkVersions(ConcurrentLinkedQueue<Seen> seen, Write seed, Write add, Write change,
      Write remove) {
    Map<String, Long> lastVersion = new HashMap<>();
    boolean unknownBeforeChange = false;
    int[] perRange = new int[4];
    for (Seen s : seen) {
      if (s.map() == null) {
        continue;
      }
      SegmentationMap m = s.map();
      long v = Long.parseLong(m.getHeadVersion());
      String where = m.getImageId() + " version " + v;
      assertTrue(v >= seed.offset() + 1, where + ": the seed was applied before any frame");
      Long previous = lastVersion.put(s.key(), v);
      assertTrue(previous == null || previous <= v, where + " after version " + previous + " on source " + s.key());
      List<String> names = m.getClassNames();
      long processed = m.getProcessedTimestamp().toEpochMilli();
      if (v <= add.offset()) {
        assertEquals(List.of("unknown", "sky"), names, where);
        perRange[0]++;
      } else if (v <= change.offset()) {
        assertEquals(List.of("unknown", "grass", "sky"), names, where);
        assertTrue(processed >= add.sentMillis(), where + " was made before grass was written");
        unknownBeforeChange |= m.getPixelCounts().get(0) > 0;
        perRange[1]++;
      } else if (v <= remove.offset()) {
        assertEquals(List.of("unknown", "grass", "sky"), names, where);
        assertTrue(processed >= change.sentMillis(), where + " was made before the change was written");
        assertEquals(0L, m.getPixelCounts().get(0), where + ": with both thresholds -1 no pixel is unknown");
        perRange[2]++;
      } else {
        assertEquals(List.of("unknown", "sky"), names, where);
        assertTrue(processed >= remove.sentMillis(), where + " was made before the removal was written");
        perRange[3]++;
      }
    }
    for (int i = 0; i < perRange.length; i++) {
      assertTrue(perRange[i] > 0, "frames under every concept-set state, got " + java.util.Arrays.toString(perRange));
    }
    assertTrue(unknownBeforeChange, "at threshold 1.0 grass leaves unknown pixels somewhere");
  }

  /**
   * Waits until both instances applied {@code w} and labelled a frame with it, and reports each instance's delay from
   * the write to that first use: the instance's own {@code anyup.concepts.first.use.delay} (from the record
   * timestamp, set at send) and, from the committed outputs, the first label map of each source using it (its
   * processed timestamp minus the acknowledgement time).
   */
  private static void awaitUse(List<AnyupApp> apps, Write w, double[][] before, List<Write> writes,
      List<String> report, ConcurrentLinkedQueue<Seen> seen) {
    writes.add(w);
    List<String> perInstance = new ArrayList<>();
    for (int i = 0; i < apps.size(); i++) {
      AnyupApp app = apps.get(i);
      Timer t = firstUse(app);
      long countBefore = (long) before[i][0];
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .until(() -> version(app) >= w.offset() + 1 && t.count() > countBefore);
      assertEquals(countBefore + 1, t.count(), "one new concept-set version, one first use");
      double delay = t.totalTime(TimeUnit.MILLISECONDS) - before[i][1];
      perInstance.add(String.format("instance %s %.0f ms", i == 0 ? "a" : "b", delay));
    }
    // two committed frames per source under this state (each source alternates between the two images)
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> seen.stream().filter(s -> s.map() != null
            && Long.parseLong(s.map().getHeadVersion()) >= w.offset() + 1)
            .collect(java.util.stream.Collectors.groupingBy(Seen::key, java.util.stream.Collectors.counting()))
            .values().stream().filter(c -> c >= 2).count() >= PARTITIONS);
    Map<String, Long> firstUse = new TreeMap<>();
    for (Seen s : seen) {
      if (s.map() != null && Long.parseLong(s.map().getHeadVersion()) >= w.offset() + 1) {
        firstUse.merge(s.key(), s.map().getProcessedTimestamp().toEpochMilli() - w.ackMillis(), Math::min);
      }
    }
    report.add(String.format("%s (offset %d, ack %d ms after send): first use %s; first committed label map per "
        + "source after the ack %s", w.what(), w.offset(), w.ackMillis() - w.sentMillis(),
        String.join(", ", perInstance), firstUse));
  }

  private static Timer firstUse(AnyupApp app) {
    return app.metrics().registry().find("anyup.concepts.first.use.delay").timer();
  }

  /**
   * Each instance's first-use timer (count, total ms), read before a write: an instance may apply the change and
   * label a frame with it before the producer's acknowledgement is back.
   */
  private static double[][] firstUses(List<AnyupApp> apps) {
    double[][] out = new double[apps.size()][];
    for (int i = 0; i < apps.size(); i++) {
      Timer t = firstUse(apps.get(i));
      out[i] = new double[] {t.count(), t.totalTime(TimeUnit.MILLISECONDS)};
    }
    return out;
  }

  private static long version(AnyupApp app) {
    Gauge g = app.metrics().registry().find("anyup.concepts.version").gauge();
    return g == null ? -1 : (long) g.value();
  }

  private static int max(Map<String, Integer> m) {
    return m.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  private static boolean[] half(FeatureMap f, boolean top) {
    boolean[] mask = new boolean[f.height() * f.width()];
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        mask[y * f.width() + x] = top == (y < f.height() / 2);
      }
    }
    return mask;
  }

  private static Concept concept(String name, float[] prototype, double threshold, String encoderSha) {
    List<Float> p = new ArrayList<>(prototype.length);
    for (float v : prototype) {
      p.add(v);
    }
    return Concept.newBuilder().setName(name).setPrototypes(List.of(p)).setDimension(prototype.length)
        .setThreshold(threshold).setEncoderSha256(encoderSha).setUpsamplerSha256("")
        .setCreatedTimestamp(Instant.now()).setCreatedBy("ConceptsLiveIT").build();
  }

  /** Writes one concept (null: a tombstone) with the project's serde and waits for the acknowledgement. */
  private static Write write(KafkaProducer<byte[], byte[]> producer, SpecificAvroSerde<Concept> serde, String topic,
      String name, Concept value, String what) throws Exception {
    byte[] bytes = value == null ? null : serde.serializer().serialize(topic, value);
    long sent = System.currentTimeMillis();
    RecordMetadata md = producer.send(new ProducerRecord<>(topic, name.getBytes(StandardCharsets.UTF_8), bytes))
        .get(30, TimeUnit.SECONDS);
    return new Write(what, md.offset(), System.currentTimeMillis(), sent);
  }

  /** The concepts topic as the app would create it (the seed is written before any instance starts). */
  private static void createConceptsTopic(AppConfig cfg) throws Exception {
    String topic = cfg.segmentation().conceptsTopic();
    try (var admin = org.apache.kafka.clients.admin.Admin.create(cfg.adminProperties())) {
      TopicProvisioner.ensureConcepts(admin, cfg);
      assertEquals(1, admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
          .partitions().size(), "one partition: offsets order every change");
      var r = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
      assertEquals("compact", admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
          .get("cleanup.policy").value());
    }
  }

  private AppConfig instance(AppConfig base, String name) throws Exception {
    Path state = Files.createDirectories(dir.resolve("state-" + name));
    return base.withPassThrough(Map.of("streams.state.dir", state.toString()));
  }

  /** Sends one image to each input partition every {@link #FEED_INTERVAL_MS}; ids say the partition and round. */
  private static void feed(ItSupport.Client client, List<byte[]> images, AtomicBoolean stop, AtomicInteger sent) {
    for (int round = 0; !stop.get(); round++) {
      for (int p = 0; p < PARTITIONS; p++) {
        String id = "p" + p + "-" + round;
        client.send(p, "cam-" + p, client.event(id, "cam-" + p, images.get((round + p) % images.size())));
        sent.incrementAndGet();
      }
      client.flush();
      try {
        Thread.sleep(FEED_INTERVAL_MS); // the feed rate itself, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Reads the three outputs with read_committed, in order, until interrupted. */
  private static void read(AppConfig cfg, ConcurrentLinkedQueue<Seen> seen) {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    String segments = cfg.segmentation().topic();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        var client = new ItSupport.Client(cfg);
        SpecificAvroSerde<SegmentationMap> maps = client.serde(SegmentationMap.class);
        SpecificAvroSerde<dev.anyup.streams.avro.DenseFeatures> dense =
            client.serde(dev.anyup.streams.avro.DenseFeatures.class);
        SpecificAvroSerde<dev.anyup.streams.avro.ImageEmbedding> emb =
            client.serde(dev.anyup.streams.avro.ImageEmbedding.class)) {
      consumer.subscribe(List.of(segments, cfg.topics().dense(), cfg.topics().embeddings()));
      while (!Thread.currentThread().isInterrupted()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          String key = new String(r.key(), StandardCharsets.UTF_8);
          if (r.topic().equals(segments)) {
            SegmentationMap m = maps.deserializer().deserialize(r.topic(), r.value());
            seen.add(new Seen(r.topic(), key, m.getImageId(), m));
          } else if (r.topic().equals(cfg.topics().dense())) {
            seen.add(new Seen(r.topic(), key, dense.deserializer().deserialize(r.topic(), r.value()).getImageId(),
                null));
          } else {
            seen.add(new Seen(r.topic(), key, emb.deserializer().deserialize(r.topic(), r.value()).getImageId(),
                null));
          }
        }
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      // interrupted while polling: the test is done reading
    }
  }
}
