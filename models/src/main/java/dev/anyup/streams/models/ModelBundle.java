package dev.anyup.streams.models;

import dev.anyup.streams.models.onnx.OnnxModelBundle;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded model bundle: the manifest, the encoder (and ONNX upsampler) graphs per resolution profile, PCA projections
 * and reference tensors. Owns its native resources; {@link #close()} releases every extractor it handed out.
 * Thread-safe.
 */
public interface ModelBundle extends AutoCloseable {

  /**
   * Loads the bundle in {@code dir}: parses the manifest, checks every file's sha256 and every graph's input/output
   * names and ranks against the contract.
   *
   * @throws InvalidBundleException naming the file (and tensor) that is wrong
   * @throws ModelException when the runtime cannot start (e.g. CUDA requested but unavailable)
   */
  static ModelBundle load(Path dir, InferenceOptions options) {
    return OnnxModelBundle.load(dir, options);
  }

  /** Loads the bundle shipped in the models jar, extracted once to a content-addressed cache directory. */
  static ModelBundle loadDefault(InferenceOptions options) {
    return OnnxModelBundle.loadDefault(options);
  }

  BundleManifest manifest();

  /** The input sizes (resolution profiles) this bundle has graphs for, ascending. */
  List<Integer> inputSizes();

  /**
   * The app's preprocessing for {@code inputSize}: {@link ResizeMode#SHORTER_SIDE_CENTER_CROP} (torchvision's
   * {@code Resize(S)} + {@code CenterCrop(S)}) with this bundle's normalisation. Features made with it are the ones the
   * app publishes for the same image.
   *
   * @throws IllegalArgumentException when {@code inputSize} is not one of {@link #inputSizes()}
   */
  default Preprocessor preprocessor(int inputSize) {
    return preprocessor(inputSize, ResizeMode.SHORTER_SIDE_CENTER_CROP);
  }

  /**
   * A preprocessor with this bundle's normalisation for {@code inputSize} and another resize mode than the app's.
   *
   * @throws IllegalArgumentException when {@code inputSize} is not one of {@link #inputSizes()}
   */
  Preprocessor preprocessor(int inputSize, ResizeMode mode);

  /**
   * The encoder + upsampler for {@code inputSize} (one of {@link #inputSizes()}); created once and cached. Its
   * {@link FeatureExtractor#run(List, FeatureUpsampler)} runs another upsampler per call on the same models.
   */
  FeatureExtractor extractor(int inputSize);

  /**
   * Runs the manifest's reference inputs and compares with its reference outputs within each reference's atol:
   * {@code patch_features} and {@code cls} always, {@code upsampled} only when the ONNX upsampler runs at its native
   * output size (a built-in upsampler or a resized output has no reference). A bundle without references passes.
   *
   * @throws InvalidBundleException when a reference file is unreadable
   */
  VerificationReport verify();

  /** Lineage of the encoder; sha256 combines all profile graphs (sha256 of their hex hashes joined by ','). */
  ModelRef encoderRef();

  /**
   * Lineage of the bundle's own upsampler (the ONNX one, or the built-in chosen in {@link InferenceOptions}); an
   * upsampler chosen per call has none here (its {@link FeatureUpsampler#toString()} names it and its settings).
   */
  ModelRef upsamplerRef();

  /**
   * The PCA projection {@code id} from the manifest.
   *
   * @throws IllegalArgumentException naming the known ids when there is none
   */
  Projection projection(String id);

  @Override
  void close();
}
