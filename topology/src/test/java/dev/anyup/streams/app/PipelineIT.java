package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.DeadLetterRouter;
import dev.anyup.streams.topology.TestImages;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real app (default bundle) against the real broker and registry: good images out, bad ones dead-lettered. */
@ExtendWith(SharedStack.class)
class PipelineIT {

  @Test
  void processesFiftyMixedImagesExactlyOnceAndDeadLettersEveryBadInputWithItsOriginalBytes() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "pipeline-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("limits.image.max.pixels", "4000000"));
    Map<String, byte[]> good = ItSupport.mixedImages(50);

    try (AnyupApp app = AnyupApp.start(cfg);
        ItSupport.Client client = new ItSupport.Client(app.config())) {
      // RUNNING can flip back to REBALANCING once while the second stream thread's assignment settles: await /ready
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING
          && ItSupport.httpGet(app.httpPort(), "/ready") == 200);
      assertEquals(200, ItSupport.httpGet(app.httpPort(), "/health"));

      // bad inputs, each between good ones on the same key
      byte[] valid = client.event("template", "cam-bad", TestImages.pattern(40, 40, 1, "png"));
      Map<String, byte[]> badValues = new LinkedHashMap<>();
      badValues.put("corrupt", client.event("corrupt", "cam-bad", TestImages.corruptJpeg()));
      badValues.put("truncated", client.event("truncated", "cam-bad",
          TestImages.truncated(TestImages.pattern(120, 80, 2, "png"), 0.5)));
      badValues.put("oversized", client.event("oversized", "cam-bad",
          TestImages.solid(2100, 2100, Color.GREEN, "png")));
      badValues.put("zero-size", client.event("zero-size", "cam-bad", new byte[0]));
      byte[] wrongMagic = valid.clone();
      wrongMagic[0] = 9;
      badValues.put("wrong-magic", wrongMagic);
      byte[] unknownId = valid.clone();
      ByteBuffer.wrap(unknownId).putInt(1, 424_242);
      badValues.put("unknown-schema-id", unknownId);
      badValues.put("garbage", "\u0000\u0001garbage that is not avro".getBytes(StandardCharsets.UTF_8));
      badValues.put("null-value", null);
      badValues.put("declares-2GB", client.poisonEvent("declares-2GB", "cam-bad"));
      Map<String, String> expectedStage = Map.of("corrupt", "decode", "truncated", "decode", "oversized", "decode",
          "zero-size", "decode", "wrong-magic", "deserialize", "unknown-schema-id", "deserialize",
          "garbage", "deserialize", "null-value", "deserialize", "declares-2GB", "deserialize");
      Map<String, String> expectedReason = Map.of("corrupt", "CORRUPT", "truncated", "CORRUPT", "oversized",
          "TOO_MANY_PIXELS", "zero-size", "UNSUPPORTED_FORMAT", "wrong-magic", "MAGIC_BYTE", "unknown-schema-id",
          "UNKNOWN_SCHEMA", "garbage", "UNKNOWN_SCHEMA", "null-value", "NULL_VALUE", "declares-2GB", "TOO_LARGE");

      List<String> goodIds = new ArrayList<>(good.keySet());
      List<String> badKeys = new ArrayList<>(badValues.keySet());
      int g = 0;
      for (String bad : badKeys) {
        for (int k = 0; k < 3 && g < goodIds.size(); k++, g++) {
          client.send("cam-bad", client.event(goodIds.get(g), "cam-bad", good.get(goodIds.get(g))));
        }
        // every bad record carries a header of its own, which its dead letter must keep
        client.send("bad-" + bad, badValues.get(bad), "x-origin", "it-" + bad);
      }
      for (; g < goodIds.size(); g++) {
        client.send("cam-" + (g % 5), client.event(goodIds.get(g), "cam-" + (g % 5), good.get(goodIds.get(g))));
      }
      client.flush();

      ItSupport.Outputs out = client.collect(50, 50, badValues.size(), Duration.ofSeconds(150));
      assertEquals(50, out.dense().size(), "dense records");
      assertEquals(50, out.embeddings().size(), "embedding records");
      assertEquals(badValues.size(), out.deadLetters().size(), "dead letters");

      var bundle = ItSupport.defaultLineage();
      SpecificAvroSerde<DenseFeatures> denseSerde = client.serde(DenseFeatures.class);
      SpecificAvroSerde<ImageEmbedding> embSerde = client.serde(ImageEmbedding.class);
      Map<String, DenseFeatures> denseById = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.dense()) {
        DenseFeatures d = denseSerde.deserializer().deserialize(r.topic(), r.value());
        denseById.put(d.getImageId(), d);
        assertEquals(d.getSourceId(), new String(r.key(), StandardCharsets.UTF_8), "key carried through");
        assertEquals(bundle, d.getLineage());
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(good.get(d.getImageId())));
        assertEquals(src.getWidth(), d.getPreprocessing().getSourceWidth(), d.getImageId());
        assertEquals(src.getHeight(), d.getPreprocessing().getSourceHeight(), d.getImageId());
        assertEquals(224, d.getPreprocessing().getInputWidth());
        assertEquals("SHORTER_SIDE_CENTER_CROP", d.getPreprocessing().getResizeMode());
        assertEquals(dev.anyup.streams.avro.DType.FLOAT16, d.getHeader().getDtype());
        assertEquals(List.of(32, 224, 224), d.getHeader().getShape());
        assertEquals(32 * 224 * 224 * 2, d.getTensor().remaining());
      }
      assertEquals(good.keySet(), denseById.keySet(), "exactly one dense record per good image");
      // the app cast to float16 inside the graph (output.dense.in.graph); the same image through a bundle without
      // the head and the Java encoder gives the same tensor, up to one float16 step where the two graphs' float
      // results differ in their last bits
      String someId = goodIds.get(0);
      try (var plain = dev.anyup.streams.models.ModelBundle.loadDefault(
          dev.anyup.streams.models.InferenceOptions.defaults())) {
        var decoded = dev.anyup.streams.models.ImageDecoder.create(cfg.limits().imageLimits()).decode(good.get(someId));
        var pre = plain.preprocessor(224, dev.anyup.streams.models.ResizeMode.SHORTER_SIDE_CENTER_CROP).apply(decoded);
        var result = plain.extractor(224).run(List.of(pre)).get(0);
        java.nio.ShortBuffer expectedHalves = ByteBuffer.wrap(dev.anyup.streams.models.OutputEncoder.create()
            .encode(result.upsampled(), dev.anyup.streams.models.DType.FLOAT16, null).bytes())
            .order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        java.nio.ShortBuffer published = denseById.get(someId).getTensor().duplicate()
            .order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        assertEquals(expectedHalves.remaining(), published.remaining());
        int differing = 0;
        for (int i = 0; i < expectedHalves.remaining(); i++) {
          short expected = expectedHalves.get(i);
          short actual = published.get(i);
          if (expected != actual) {
            differing++;
            assertTrue(Math.abs(expected - actual) <= 1, "value " + i + ": more than one float16 step apart");
          }
        }
        assertTrue(differing <= expectedHalves.remaining() / 1000, differing + " of " + expectedHalves.remaining()
            + " values one step apart");
      }
      Map<String, Integer> embCount = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.embeddings()) {
        ImageEmbedding e = embSerde.deserializer().deserialize(r.topic(), r.value());
        embCount.merge(e.getImageId(), 1, Integer::sum);
        assertEquals(bundle, e.getLineage());
        assertEquals(32, e.getDimension());
        double norm = e.getVector().stream().mapToDouble(v -> v * v).sum();
        assertEquals(1.0, norm, 1e-4);
      }
      assertEquals(good.keySet(), embCount.keySet());
      assertTrue(embCount.values().stream().allMatch(c -> c == 1), "exactly one embedding per image");

      Map<String, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.deadLetters()) {
        letters.put(new String(r.key(), StandardCharsets.UTF_8).substring("bad-".length()), r);
      }
      for (String bad : badKeys) {
        ConsumerRecord<byte[], byte[]> r = letters.get(bad);
        assertTrue(r != null, "dead letter for " + bad);
        if (badValues.get(bad) == null) {
          assertNull(r.value(), bad);
        } else {
          assertArrayEquals(badValues.get(bad), r.value(), "original bytes of " + bad);
        }
        assertEquals(expectedStage.get(bad), ItSupport.header(r, DeadLetterRouter.STAGE), bad);
        assertEquals(expectedReason.get(bad), ItSupport.header(r, DeadLetterRouter.REASON), bad);
        assertEquals("it-" + bad, ItSupport.header(r, "x-origin"), "input header kept on " + bad);
        assertEquals(cfg.topics().input(), ItSupport.header(r, DeadLetterRouter.TOPIC), bad);
        assertTrue(Long.parseLong(ItSupport.header(r, DeadLetterRouter.OFFSET)) >= 0, bad);
        assertTrue(!ItSupport.header(r, DeadLetterRouter.MESSAGE).isBlank(), bad);
      }
      assertEquals(97, letters.get("declares-2GB").value().length);

      String metrics = ItSupport.httpBody(app.httpPort(), "/metrics");
      assertTrue(metrics.contains("anyup_images_attempted_total 50.0"), "images counter in /metrics");
      assertTrue(metrics.contains("anyup_batch_size"), "batch size histogram in /metrics");
      assertTrue(metrics.contains("kafka_stream"), "Kafka Streams metrics in /metrics");
    }
  }

  @Test
  void refusesToStartWhenTheProducerCannotFitTheConfiguredRecord() {
    LocalStack stack = SharedStack.stack();
    String prefix = "toolarge-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("output.dense.dtype", "FLOAT32",
        "producer.max.request.size", "1048576"));
    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.anyup.streams.topology.ConfigException.class,
        () -> AnyupApp.start(cfg).close());
    assertTrue(e.getMessage().contains("producer.max.request.size=1048576 is smaller than the configured output"),
        e.getMessage());
  }
}
