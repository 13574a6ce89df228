/**
 * Everything between image bytes and feature tensors, with no Kafka in it: a library in its own right (guide and
 * runnable example: {@code docs/models-library.md}).
 *
 * <p>Pipeline: {@link dev.anyup.streams.models.ImageDecoder} (bytes → RGB8, limits checked from the header first) →
 * {@link dev.anyup.streams.models.Preprocessor} (antialiased bilinear resize, normalisation, CHW, with the exact
 * {@link dev.anyup.streams.models.ImageTransform}; {@link dev.anyup.streams.models.ModelBundle#preprocessor(int)} is
 * the app's) → {@link dev.anyup.streams.models.FeatureExtractor} (encoder + the upsampler of a
 * {@link dev.anyup.streams.models.ModelBundle}, or a {@link dev.anyup.streams.models.FeatureUpsampler} chosen per
 * call) → {@link dev.anyup.streams.models.OutputEncoder} / {@link dev.anyup.streams.models.Embeddings}; pixels are
 * compared and labelled on plain feature maps in {@link dev.anyup.streams.models.segmentation}.
 *
 * <p>Thread safety: decoders, preprocessors, upsamplers, output encoders and extractors are safe to share across
 * threads. An extractor borrows one of a pool of DJL predictors per call (a DJL {@code Predictor} is not thread-safe;
 * the loaded ONNX Runtime session is shared); size the pool with {@link dev.anyup.streams.models.InferenceOptions#predictors()}.
 *
 * <p>Ownership: a {@link dev.anyup.streams.models.ModelBundle} owns every native resource (sessions, predictors); close
 * it once, after the last extractor call. Failures are typed: {@link dev.anyup.streams.models.ImageRejectedException}
 * (with a {@link dev.anyup.streams.models.ImageRejectedException.Reason}) for images,
 * {@link dev.anyup.streams.models.InvalidBundleException} for bundles, {@link dev.anyup.streams.models.ModelException}
 * for the runtime.
 */
package dev.anyup.streams.models;
