package dev.anyup.streams.retrieval;

import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ImagePipeline;
import dev.anyup.streams.topology.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/**
 * A {@link QueryEmbedder} running the app's own {@link ImagePipeline} (same decoder limits, preprocessing, models and
 * pooling as {@code run}) with dense output off. Owns the bundle it is given; metrics go to a private registry so the
 * pipeline's own are not mixed with queries.
 */
public final class BundleQueryEmbedder implements QueryEmbedder, AutoCloseable {
  private final ModelBundle bundle;
  private final ImagePipeline pipeline;

  public BundleQueryEmbedder(ModelBundle bundle, AppConfig cfg) {
    AppConfig.Output o = cfg.output();
    AppConfig embeddingsOnly = cfg.withOutput(new AppConfig.Output(false, o.denseDtype(), o.denseSize(),
        o.projection(), true, o.regionsGrid(), o.denseInGraph()));
    this.bundle = bundle;
    this.pipeline = ImagePipeline.create(bundle, embeddingsOnly, new PipelineMetrics(new SimpleMeterRegistry()));
  }

  @Override
  public float[] embed(String imageId, byte[] image) {
    ImageEvent event = ImageEvent.newBuilder().setImageId(imageId).setSourceId("query").setCaptureTimestamp(
        Instant.now()).setContentType("application/octet-stream").setImage(ByteBuffer.wrap(image))
        .setAttributes(Map.of()).build();
    return pipeline.embed(event);
  }

  @Override
  public void close() {
    pipeline.close();
    bundle.close();
  }
}
