package dev.anyup.streams.models;

import java.util.List;

/**
 * Encoder + upsampler for one resolution profile of a {@link ModelBundle}.
 *
 * <p>Thread-safe: the native model is loaded once and shared; each call borrows one of a small pool of DJL predictors
 * ({@link InferenceOptions#predictors()}), which are not thread-safe themselves. Owned (and closed) by its bundle.
 */
public interface FeatureExtractor {

  /** The square model input size this extractor expects. */
  int inputSize();

  /**
   * Runs the batch through the encoder and the upsampler; results come back in input order. Results do not depend on
   * the batch composition (an image alone or in a batch gives the same values within 1e-5).
   *
   * @throws ModelException naming the model and the image index when inference fails or an input has the wrong size
   */
  List<FeatureResult> run(List<PreprocessedImage> batch);

  /**
   * Runs the batch through the encoder and then {@code upsampler} instead of the bundle's own upsampler, on the same
   * loaded models: comparing upsamplers needs one bundle, not one per upsampler. {@link FeatureUpsampler#none()}
   * skips upsampling (the result's {@code upsampled} is the patch grid); {@link FeatureUpsampler#jointBilateral(double,
   * double, int)} takes its settings. The map has the bundle's output size ({@link InferenceOptions#outputSize()}, else
   * the input size). A probe in the {@link InferenceOptions} labels that map in Java; an {@link OutputHead} (which runs
   * inside the ONNX upsampler graph) does not run, so {@code dense} is {@code null}.
   *
   * @throws IllegalArgumentException when {@code upsampler} is null
   * @throws ModelException as {@link #run(List)}
   */
  List<FeatureResult> run(List<PreprocessedImage> batch, FeatureUpsampler upsampler);
}
