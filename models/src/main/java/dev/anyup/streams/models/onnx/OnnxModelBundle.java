package dev.anyup.streams.models.onnx;

import dev.anyup.streams.models.BundleManifest;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ModelRef;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.VerificationReport;
import java.nio.file.Path;
import java.util.List;

/** {@link ModelBundle} on DJL's OnnxRuntime engine. Public only so {@link ModelBundle#load} can reach it. */
public final class OnnxModelBundle implements ModelBundle {

  private OnnxModelBundle() {}

  /** See {@link ModelBundle#load}. */
  public static ModelBundle load(Path dir, InferenceOptions options) {
    throw new UnsupportedOperationException("not yet implemented " + dir + options);
  }

  /** See {@link ModelBundle#loadDefault}. */
  public static ModelBundle loadDefault(InferenceOptions options) {
    throw new UnsupportedOperationException("not yet implemented " + options);
  }

  @Override
  public BundleManifest manifest() {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Integer> inputSizes() {
    throw new UnsupportedOperationException();
  }

  @Override
  public Preprocessor preprocessor(int inputSize, ResizeMode mode) {
    throw new UnsupportedOperationException();
  }

  @Override
  public FeatureExtractor extractor(int inputSize) {
    throw new UnsupportedOperationException();
  }

  @Override
  public VerificationReport verify() {
    throw new UnsupportedOperationException();
  }

  @Override
  public ModelRef encoderRef() {
    throw new UnsupportedOperationException();
  }

  @Override
  public ModelRef upsamplerRef() {
    throw new UnsupportedOperationException();
  }

  @Override
  public Projection projection(String id) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
