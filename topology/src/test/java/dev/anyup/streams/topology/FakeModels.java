package dev.anyup.streams.topology;

import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.ResizeMode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A fast stand-in for the bundle: {@code C} channels, features = per-channel linear mixes of the input planes, so
 * results are deterministic and cheap. An image whose mean normalised red is below {@link #POISON_BELOW} (a black
 * image) makes the model throw, like a model that fails on one item.
 */
final class FakeModels {
  static final int INPUT = 28;
  static final int PATCH = 7;
  static final int C = 4;
  static final float POISON_BELOW = -2.0f;
  static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  static final ModelLineage LINEAGE = ModelLineage.newBuilder()
      .setEncoderModel(ModelRef.newBuilder().setName("fake-encoder").setVersion("1.2.3").setSha256("ab12").build())
      .setUpsamplerModel(ModelRef.newBuilder().setName("fake-upsampler").setVersion("4.5.6").setSha256("cd34").build())
      .setBundleName("fake-bundle").setBundleVersion("0.0.1").build();

  private FakeModels() {}

  static final Function<List<PreprocessedImage>, List<FeatureResult>> MODEL = batch -> {
    List<FeatureResult> out = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      PreprocessedImage p = batch.get(i);
      if (meanRed(p) < POISON_BELOW) {
        throw new dev.anyup.streams.models.ModelException("fake-encoder failed on image index " + i);
      }
      out.add(features(p));
    }
    return out;
  };

  private static double meanRed(PreprocessedImage p) {
    int hw = p.height() * p.width();
    double s = 0;
    for (int k = 0; k < hw; k++) {
      s += p.chw()[k];
    }
    return s / hw;
  }

  static FeatureResult features(PreprocessedImage p) {
    int hw = p.height() * p.width();
    float[] up = new float[C * hw];
    for (int c = 0; c < C; c++) {
      for (int px = 0; px < hw; px++) {
        up[c * hw + px] = p.chw()[(c % 3) * hw + px] * (c + 1) + c;
      }
    }
    int g = p.height() / PATCH;
    float[] patch = new float[C * g * g];
    float[] cls = new float[C];
    for (int c = 0; c < C; c++) {
      cls[c] = c + 1;
      for (int k = 0; k < g * g; k++) {
        patch[c * g * g + k] = up[c * hw + k];
      }
    }
    return new FeatureResult(new FeatureMap(C, g, g, patch), cls, new FeatureMap(C, p.height(), p.width(), up));
  }

  static ImagePipeline pipeline(AppConfig cfg, PipelineMetrics metrics) {
    return pipeline(cfg, metrics, null);
  }

  static ImagePipeline pipeline(AppConfig cfg, PipelineMetrics metrics, Projection projection) {
    return pipeline(cfg, metrics, projection, null);
  }

  /** A pipeline with {@code head} labelling every image (null: none). */
  static ImagePipeline pipeline(AppConfig cfg, PipelineMetrics metrics, Projection projection,
      SegmentationHead head) {
    ImageDecoder decoder = ImageDecoder.create(cfg.limits().imageLimits());
    var batcher = new InferenceBatcher<>(MODEL, cfg.batch().maxSize(), cfg.batch().maxWait(), cfg.cpuBudget().workers(),
        System::nanoTime, metrics.batchListener());
    return new ImagePipeline(decoder, preprocessor(), batcher, projection, LINEAGE, cfg.output(),
        cfg.batch().timeout(), Clock.fixed(NOW, ZoneOffset.UTC), System::nanoTime, metrics, head,
        cfg.segmentation().confidence());
  }

  static Preprocessor preprocessor() {
    return Preprocessor.create(INPUT, ResizeMode.SHORTER_SIDE_CENTER_CROP,
        new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
  }

  /** The features the fake model gives for an encoded image, computed outside the pipeline (a test's reference). */
  static FeatureResult featuresOf(byte[] image) {
    var decoded = ImageDecoder.create(dev.anyup.streams.models.ImageLimits.defaults())
        .decode("reference", image);
    return features(preprocessor().apply(decoded));
  }
}
