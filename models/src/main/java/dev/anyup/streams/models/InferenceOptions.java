package dev.anyup.streams.models;

import dev.anyup.streams.models.segmentation.LinearProbe;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link ModelBundle} runs its models.
 *
 * @param device {@code cpu} or {@code cuda:N}
 * @param intraOpThreads ONNX Runtime threads inside one operator; 0 = runtime default
 * @param interOpThreads ONNX Runtime threads across operators; 0 = runtime default
 * @param upsampler which upsampler to run after the encoder
 * @param outputSize side of the upsampled map; 0 = the upsampler profile's own output size (the model input size)
 * @param predictors how many calls each graph runs concurrently (a pool of DJL predictors over one shared session;
 *     a predictor is not thread-safe); further callers wait. On CPU, predictors × intraOpThreads ≈ cores avoids
 *     oversubscription; on a GPU, 1–2 predictors with larger batches keep it busy
 * @param spinning whether ONNX Runtime's idle pool threads busy-wait for the next operator
 *     ({@code session.intra_op.allow_spinning} / {@code session.inter_op.allow_spinning}). Spinning shaves a little
 *     latency off a model that has the machine to itself, and burns the cores that decoding, encoding and Kafka need
 *     when it does not: off is the default, the library's as the app's ({@code model.spinning}; see BENCHMARKS.md,
 *     "the pipeline's own cost")
 * @param memoryPatternMaxSize ONNX Runtime's memory pattern (one block planned for all of a graph's intermediate
 *     tensors, taken from its arena on every run) is used for profiles whose input side is at most this, and turned
 *     off above it: the block comes on top of the arena's high-water mark, so the 896 AnyUp graph peaked at 8,226 MiB
 *     with it and 5,128 MiB without, at the same speed (BENCHMARKS.md, "AnyUp: windowed vs dense"); at 224 and 448
 *     it saves allocation work per run. 0 = off for every graph, {@link #DEFAULT_MEMORY_PATTERN_MAX_SIZE} by default
 * @param outputHead the dense output's projection and/or float16 cast, appended to each ONNX upsampler graph when the
 *     upsampler runs at its native size ({@code outputSize} 0); {@link OutputHead#none()} by default
 * @param probe a segmentation probe whose label map every {@link FeatureResult} carries
 *     ({@link FeatureResult#labels()}), or {@code null} for none. It runs inside the ONNX upsampler graph where it can
 *     (native size, opset 13 or later: 1×1 {@code Conv} → {@code ArgMax}), else in Java with {@link LinearProbe#label}
 *     on the upsampled map. With an {@link OutputHead} that does not keep the upsampled map ({@code keepUpsampled}
 *     false, e.g. {@code new OutputHead(DType.FLOAT32, null, false)} when no dense output is needed) the 32-bit map is
 *     not even a graph output any more: on a GPU only the labels (uint8 up to 256 classes, else int32), the
 *     confidence and the dense head's output leave it. This holds for a dense head without a probe as well
 * @param probeConfidence whether the label maps carry each pixel's confidence (the winning softmax probability)
 * @param upsampleAnything the settings of the {@link UpsamplerKind#UPSAMPLE_ANYTHING} upsampler (upstream's by
 *     default); ignored by the others
 */
public record InferenceOptions(String device, int intraOpThreads, int interOpThreads, UpsamplerKind upsampler,
    int outputSize, int predictors, boolean spinning, int memoryPatternMaxSize, OutputHead outputHead,
    LinearProbe probe, boolean probeConfidence, UpsampleAnythingOptions upsampleAnything) {

  /** Profiles up to 448 use ONNX Runtime's memory pattern, larger ones (896) do not. */
  public static final int DEFAULT_MEMORY_PATTERN_MAX_SIZE = 448;

  private static final Pattern CUDA = Pattern.compile("cuda:(\\d+)");

  public InferenceOptions {
    if (device == null || !(device.equals("cpu") || CUDA.matcher(device).matches())) {
      throw new IllegalArgumentException("device must be 'cpu' or 'cuda:N', was '" + device + "'");
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must not be negative, was " + intraOpThreads);
    }
    if (interOpThreads < 0) {
      throw new IllegalArgumentException("interOpThreads must not be negative, was " + interOpThreads);
    }
    if (upsampler == null) {
      throw new IllegalArgumentException("upsampler must not be null");
    }
    if (outputSize < 0) {
      throw new IllegalArgumentException("outputSize must not be negative, was " + outputSize);
    }
    if (predictors <= 0) {
      throw new IllegalArgumentException("predictors must be positive, was " + predictors);
    }
    if (memoryPatternMaxSize < 0) {
      throw new IllegalArgumentException("memoryPatternMaxSize must not be negative, was " + memoryPatternMaxSize);
    }
    if (outputHead == null) {
      throw new IllegalArgumentException("outputHead must not be null (OutputHead.none() for none)");
    }
    if (probe == null && probeConfidence) {
      throw new IllegalArgumentException("probeConfidence needs a probe");
    }
    if (upsampleAnything == null) {
      throw new IllegalArgumentException("upsampleAnything must not be null (UpsampleAnythingOptions.defaults())");
    }
  }

  /** Options with upstream's Upsample Anything settings. */
  public InferenceOptions(String device, int intraOpThreads, int interOpThreads, UpsamplerKind upsampler,
      int outputSize, int predictors, boolean spinning, int memoryPatternMaxSize, OutputHead outputHead,
      LinearProbe probe, boolean probeConfidence) {
    this(device, intraOpThreads, interOpThreads, upsampler, outputSize, predictors, spinning, memoryPatternMaxSize,
        outputHead, probe, probeConfidence, UpsampleAnythingOptions.defaults());
  }

  /** Options without a segmentation probe. */
  public InferenceOptions(String device, int intraOpThreads, int interOpThreads, UpsamplerKind upsampler,
      int outputSize, int predictors, boolean spinning, int memoryPatternMaxSize, OutputHead outputHead) {
    this(device, intraOpThreads, interOpThreads, upsampler, outputSize, predictors, spinning, memoryPatternMaxSize,
        outputHead, null, false);
  }

  /**
   * Whether the ONNX upsampler graphs get the probe head: there is a probe and the map is not resized (the graph's
   * opset may still refuse it, then the labels come from Java).
   */
  public boolean probeInGraph() {
    return probe != null && upsampler == UpsamplerKind.ONNX && outputSize == 0;
  }

  /** Whether the ONNX upsampler graphs get {@link #outputHead()}: it does something and the map is not resized. */
  public boolean headInGraph() {
    return outputHead.active() && upsampler == UpsamplerKind.ONNX && outputSize == 0;
  }

  /** Whether a graph for input side {@code inputSize} runs with ONNX Runtime's memory pattern. */
  public boolean memoryPattern(int inputSize) {
    return inputSize <= memoryPatternMaxSize;
  }

  /**
   * The app's defaults: CPU, the bundle's ONNX upsampler at its native size, two predictors, spinning off, the memory
   * pattern up to {@value #DEFAULT_MEMORY_PATTERN_MAX_SIZE}, no output head, no probe. One difference is deliberate:
   * ONNX Runtime's own thread count ({@code 0}), where the app divides the cores among its concurrent model calls
   * ({@code batch.workers}; one call gets them all, as here).
   */
  public static InferenceOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether the device is a CUDA GPU. */
  public boolean isCuda() {
    return device.startsWith("cuda:");
  }

  /** The CUDA device index; -1 for cpu. */
  public int cudaDeviceId() {
    Matcher m = CUDA.matcher(device);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Builder; every value is validated by {@link #build()}. */
  public static final class Builder {
    private String device = "cpu";
    private int intraOpThreads;
    private int interOpThreads;
    private UpsamplerKind upsampler = UpsamplerKind.ONNX;
    private int outputSize;
    private int predictors = 2;
    private boolean spinning;
    private int memoryPatternMaxSize = DEFAULT_MEMORY_PATTERN_MAX_SIZE;
    private OutputHead outputHead = OutputHead.none();
    private LinearProbe probe;
    private boolean probeConfidence;
    private UpsampleAnythingOptions upsampleAnything = UpsampleAnythingOptions.defaults();

    private Builder() {}

    /** Settings of the Upsample Anything upsampler (upstream's by default). */
    public Builder upsampleAnything(UpsampleAnythingOptions options) {
      this.upsampleAnything = options;
      return this;
    }

    /**
     * A segmentation probe whose labels (and, with {@code confidence}, confidence) every result carries; {@code null}
     * for none (see {@link InferenceOptions#probe()}).
     */
    public Builder probe(LinearProbe probe, boolean confidence) {
      this.probe = probe;
      this.probeConfidence = confidence;
      return this;
    }

    /** The dense output's projection and/or cast to run inside the upsampler graph (see {@link OutputHead}). */
    public Builder outputHead(OutputHead head) {
      this.outputHead = head;
      return this;
    }

    public Builder device(String device) {
      this.device = device;
      return this;
    }

    public Builder intraOpThreads(int threads) {
      this.intraOpThreads = threads;
      return this;
    }

    public Builder interOpThreads(int threads) {
      this.interOpThreads = threads;
      return this;
    }

    public Builder upsampler(UpsamplerKind upsampler) {
      this.upsampler = upsampler;
      return this;
    }

    /** Same as {@link #upsampler(UpsamplerKind)} from {@code onnx|bilinear|jbu|nearest|upsample-anything}. */
    public Builder upsampler(String upsampler) {
      this.upsampler = UpsamplerKind.parse(upsampler);
      return this;
    }

    public Builder outputSize(int outputSize) {
      this.outputSize = outputSize;
      return this;
    }

    public Builder predictors(int predictors) {
      this.predictors = predictors;
      return this;
    }

    /** Whether idle ONNX Runtime pool threads busy-wait (off by default, as in the app; ONNX Runtime's own is on). */
    public Builder spinning(boolean spinning) {
      this.spinning = spinning;
      return this;
    }

    /** The largest profile input side that uses ONNX Runtime's memory pattern (0 = none). */
    public Builder memoryPatternMaxSize(int size) {
      this.memoryPatternMaxSize = size;
      return this;
    }

    public InferenceOptions build() {
      return new InferenceOptions(device, intraOpThreads, interOpThreads, upsampler, outputSize, predictors, spinning,
          memoryPatternMaxSize, outputHead, probe, probeConfidence, upsampleAnything);
    }
  }
}
