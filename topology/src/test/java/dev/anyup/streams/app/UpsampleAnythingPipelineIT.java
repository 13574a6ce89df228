package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.UpsampleAnythingOptions.WarmStart;
import dev.anyup.streams.models.UpsamplerKind;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The app with {@code model.upsampler: upsample-anything} on the default bundle publishes, for every image, the float32
 * tensor the models API computes for the same image: the same bytes, since the fit is deterministic whatever the
 * thread count (band sums are added in order). With warm start on, the API gets the same frames of the same source in
 * the same order ({@code PreprocessedImage.withSource}) and computes the same bytes again.
 */
@ExtendWith(SharedStack.class)
class UpsampleAnythingPipelineIT {

  @Test
  void publishesTheModelsApisTensorsBitForBit() throws Exception {
    // fewer Adam steps than upstream's 51 keep the test short; equality does not depend on the count
    publishesTheModelsApisTensors(Map.of("model.upsampler", "upsample-anything", "model.upsample.anything.steps", "8",
        "output.dense.dtype", "FLOAT32"), false);
  }

  @Test
  void withWarmStartPublishesTheModelsApisWarmPathForTheSameFramesInOrder() throws Exception {
    publishesTheModelsApisTensors(Map.of("model.upsampler", "upsample-anything", "model.upsample.anything.steps", "8",
        "output.dense.dtype", "FLOAT32", "model.upsample.anything.warm.start", "true"), true);
  }

  private static void publishesTheModelsApisTensors(Map<String, String> settings, boolean warm) throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "ua-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, settings);
    assertEquals(warm, cfg.model().upsampleAnythingOptions().warmStart().enabled());
    Map<String, byte[]> images = ItSupport.mixedImages(3);
    try (AnyupApp app = AnyupApp.start(cfg);
        ItSupport.Client client = new ItSupport.Client(app.config());
        ModelBundle api = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.UPSAMPLE_ANYTHING)
            .upsampleAnything(cfg.model().upsampleAnythingOptions()).build());
        ModelBundle cold = ModelBundle.loadDefault(InferenceOptions.builder().upsampler(UpsamplerKind.UPSAMPLE_ANYTHING)
            .upsampleAnything(cfg.model().upsampleAnythingOptions().withWarmStart(WarmStart.off())).build())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING
          && ItSupport.httpGet(app.httpPort(), "/ready") == 200);
      for (Map.Entry<String, byte[]> e : images.entrySet()) {
        client.send("cam-1", client.event(e.getKey(), "cam-1", e.getValue()));
      }
      client.flush();
      ItSupport.Outputs out = client.collect(3, 3, 0, Duration.ofSeconds(180));
      assertEquals(3, out.dense().size(), "dense records");
      SpecificAvroSerde<DenseFeatures> serde = client.serde(DenseFeatures.class);
      int warmDiffersFromCold = 0;
      // one key, one partition: the records come in the order the app fitted them, which the API replays
      for (ConsumerRecord<byte[], byte[]> r : out.dense()) {
        DenseFeatures d = serde.deserializer().deserialize(r.topic(), r.value());
        assertEquals("upsample-anything", d.getLineage().getUpsamplerModel().getName());
        var decoded = ImageDecoder.create(cfg.limits().imageLimits()).decode(images.get(d.getImageId()));
        var pre = api.preprocessor(224, ResizeMode.SHORTER_SIDE_CENTER_CROP).apply(decoded)
            .withSource(d.getSourceId(), d.getCaptureTimestamp().toEpochMilli());
        var result = api.extractor(224).run(List.of(pre)).get(0);
        byte[] expected = OutputEncoder.create().encode(result.upsampled(), DType.FLOAT32, null).bytes();
        ByteBuffer published = d.getTensor().duplicate();
        byte[] actual = new byte[published.remaining()];
        published.get(actual);
        assertEquals(List.of(result.upsampled().channels(), 224, 224), d.getHeader().getShape());
        assertArrayEquals(expected, actual, "tensor of " + d.getImageId());
        if (warm) {
          var coldResult = cold.extractor(224).run(List.of(pre)).get(0);
          if (!Arrays.equals(coldResult.upsampled().data(), result.upsampled().data())) {
            warmDiffersFromCold++;
          }
        }
      }
      if (warm) {
        // the first frame is fitted cold; the next two start from their predecessor's kernel
        assertEquals(2, warmDiffersFromCold, "frames whose warm fit differs from the cold one");
      }
    }
  }
}
