package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.retrieval.BundleQueryEmbedder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An uploaded query image is embedded exactly as the pipeline publishes the same image (default bundle). */
class UploadEmbeddingTest {
  @Test
  void uploadedImageGetsThePublishedEmbeddingOfTheSameImage() {
    AppConfig cfg = AppConfig.defaults("unused:9092", "mock://upload-test");
    byte[] png = TestImages.pattern(120, 90, 3, "png");
    ImageEvent event = ImageEvent.newBuilder().setImageId("p.png").setSourceId("cam").setCaptureTimestamp(Instant.EPOCH)
        .setContentType("image/png").setImage(ByteBuffer.wrap(png)).setAttributes(Map.of()).build();
    ImageEmbedding published;
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults());
        ImagePipeline pipeline = ImagePipeline.create(bundle, cfg, new PipelineMetrics(new SimpleMeterRegistry()))) {
      published = pipeline.process(event).embedding();
    }
    float[] uploaded;
    try (BundleQueryEmbedder embedder =
        new BundleQueryEmbedder(ModelBundle.loadDefault(InferenceOptions.defaults()), cfg)) {
      uploaded = embedder.embed("query", png);
    }
    float[] expected = new float[published.getVector().size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = published.getVector().get(i);
    }
    assertEquals(published.getDimension(), uploaded.length);
    assertArrayEquals(expected, uploaded, 1e-6f);
  }
}
