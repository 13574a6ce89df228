package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFile;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code probe} head end to end: the app (which runs the probe inside the upsampler graph) publishes, read_committed,
 * one label map per image, equal to {@link LinearProbe#label} on the features the models API computes for the same
 * image, except at pixels whose top two scores are within 1e-4 (two ONNX Runtime sessions with different graph outputs
 * may differ in the last bits of a float).
 */
@ExtendWith(SharedStack.class)
class ProbeHeadIT {
  private static final double NEAR_TIE = 1e-4;

  @TempDir Path dir;

  @Test
  void publishesTheLabelMapsOfTheLinearProbeExactlyOncePerImage() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "probe-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    LinearProbe probe;
    String encoderSha;
    try (ModelBundle plain = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      encoderSha = plain.encoderRef().sha256();
      probe = seededProbe(plain.manifest().encoder().channels(), 6);
    }
    Path probeFile = dir.resolve("probe.json");
    ProbeFile.write(probeFile, probe, encoderSha);
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("segmentation.head", "probe",
        "segmentation.probe.file", probeFile.toString(), "segmentation.topic", prefix + "segments",
        "segmentation.concepts.topic", prefix + "concepts", "segmentation.confidence.enabled", "true"));
    Map<String, byte[]> images = new LinkedHashMap<>();
    ItSupport.mixedImages(6).forEach(images::put);

    Map<String, SegmentationMap> maps = new HashMap<>();
    try (AnyupApp app = AnyupApp.start(cfg); ItSupport.Client client = new ItSupport.Client(app.config())) {
      for (Map.Entry<String, byte[]> e : images.entrySet()) {
        client.send("cam-probe", client.event(e.getKey(), "cam-probe", e.getValue()));
      }
      client.flush();
      List<SegmentationMap> read = readSegments(cfg, images.size(), Duration.ofSeconds(120));
      for (SegmentationMap m : read) {
        assertEquals(null, maps.put(m.getImageId(), m), "a second label map for " + m.getImageId());
      }
    }
    assertEquals(images.keySet(), maps.keySet(), "one label map per image");

    try (ModelBundle plain = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      ImageDecoder decoder = ImageDecoder.create(cfg.limits().imageLimits());
      for (Map.Entry<String, byte[]> e : images.entrySet()) {
        SegmentationMap m = maps.get(e.getKey());
        assertEquals("probe", m.getHeadKind());
        assertEquals(probe.name(), m.getHeadName());
        assertEquals(probe.version(), m.getHeadVersion());
        assertEquals(probe.classNames(), m.getClassNames());
        assertEquals(224, m.getWidth());
        assertNotNull(m.getConfidencePng(), "segmentation.confidence.enabled");
        var pre = plain.preprocessor(224, ResizeMode.SHORTER_SIDE_CENTER_CROP).apply(decoder.decode(e.getValue()));
        FeatureMap features = plain.extractor(224).run(List.of(pre)).get(0).upsampled();
        LabelMap expected = probe.label(features, false);
        int[] published = LabelPng.readLabels(bytes(m.getLabelPng()));
        float[] gap = topTwoGap(probe, features);
        int differing = 0;
        long[] counts = new long[probe.classes()];
        for (int p = 0; p < published.length; p++) {
          counts[published[p]]++;
          if (published[p] != expected.labels()[p]) {
            differing++;
            assertTrue(gap[p] <= NEAR_TIE, e.getKey() + " pixel " + p + ": label " + published[p] + " vs "
                + expected.labels()[p] + " with top-two gap " + gap[p]);
          }
        }
        assertTrue(differing <= published.length / 1000, differing + " near-tie pixels differ in " + e.getKey());
        List<Long> countList = new ArrayList<>();
        for (long c : counts) {
          countList.add(c);
        }
        assertEquals(countList, m.getPixelCounts(), "pixel counts of the published map");
      }
    }
  }

  private static LinearProbe seededProbe(int channels, int classes) {
    Random r = new Random(19);
    float[] w = new float[classes * channels];
    float[] b = new float[classes];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (0.1 * r.nextGaussian());
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      names.add("class-" + k);
    }
    return new LinearProbe("it-probe", "3", names, channels, w, b);
  }

  /** Per pixel, the best score minus the second best, in double precision. */
  private static float[] topTwoGap(LinearProbe probe, FeatureMap f) {
    int hw = f.width() * f.height();
    float[] w = probe.weights();
    float[] b = probe.bias();
    float[] gap = new float[hw];
    for (int p = 0; p < hw; p++) {
      double best = Double.NEGATIVE_INFINITY;
      double second = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < probe.classes(); k++) {
        double s = b[k];
        for (int c = 0; c < probe.channels(); c++) {
          s += (double) w[k * probe.channels() + c] * f.data()[c * hw + p];
        }
        if (s > best) {
          second = best;
          best = s;
        } else if (s > second) {
          second = s;
        }
      }
      gap[p] = (float) (best - second);
    }
    return gap;
  }

  private static List<SegmentationMap> readSegments(AppConfig cfg, int expected, Duration timeout) {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<SegmentationMap> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        var client = new ItSupport.Client(cfg);
        SpecificAvroSerde<SegmentationMap> serde = client.serde(SegmentationMap.class)) {
      consumer.subscribe(List.of(cfg.segmentation().topic()));
      long deadline = System.nanoTime() + timeout.toNanos();
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          SegmentationMap m = serde.deserializer().deserialize(r.topic(), r.value());
          assertEquals(m.getSourceId(), new String(r.key(), StandardCharsets.UTF_8), "key carried through");
          out.add(m);
        }
        if (settleUntil == Long.MAX_VALUE && out.size() >= expected) {
          settleUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // duplicates would show up here
        }
      }
    }
    return out;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
