package dev.anyup.streams.models.onnx;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.InvalidBundleException;
import dev.anyup.streams.models.ModelException;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.segmentation.LinearProbe;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX graph loaded through DJL's OnnxRuntime engine, with a small pool of predictors (a DJL {@link Predictor} is
 * not thread-safe; the loaded model is shared). {@link #run} is thread-safe; {@link #close()} releases predictors and
 * the model.
 */
final class OnnxGraph implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxGraph.class);

  /** What the contract requires of one graph tensor. */
  record Port(String contractName, String graphName, int rank, long[] fixedDims) {}

  /**
   * Heads to append after the graph output {@code source} (see {@link GraphHead}).
   *
   * @param head the dense output head (may be inactive when only the probe is asked for)
   * @param projection the head's projection, or {@code null}
   * @param probe the segmentation probe to run in the graph, or {@code null}
   * @param confidence whether the probe head also computes the confidence
   * @param dropSource whether {@code source} stops being a graph output (the caller never needs the 32-bit map)
   */
  record Head(OutputHead head, Projection projection, String source, LinearProbe probe, boolean confidence,
      boolean dropSource) {

    Head(OutputHead head, Projection projection, String source) {
      this(head, projection, source, null, false, false);
    }
  }

  /** What {@link #headed} could attach: the dense head (null: none), the probe, whether the source was dropped. */
  private record Attached(byte[] bytes, OutputHead dense, boolean probe, boolean sourceDropped) {}

  private final String modelName;
  private final Path file;
  private final Model model;
  private final TensorTranslator translator = new TensorTranslator();
  private final BlockingQueue<Predictor<TensorTranslator.Call, Map<String, Tensor>>> idle;
  private final List<Predictor<TensorTranslator.Call, Map<String, Tensor>>> all = new ArrayList<>();
  private final int maxPredictors;
  private final int maxBatch;
  private final OrtSession.SessionOptions sessionOptions; // outlives the session (ORT's rule); closed after the model
  private final OutputHead head; // null when none is attached
  private final boolean probe; // whether the probe head is attached (outputs GraphHead.LABELS / CONFIDENCE)
  private final boolean sourceDropped; // whether the head's source is no longer a graph output

  private OnnxGraph(String modelName, Path file, Model model, int maxPredictors, int maxBatch,
      OrtSession.SessionOptions sessionOptions, OutputHead head, boolean probe, boolean sourceDropped) {
    this.probe = probe;
    this.sourceDropped = sourceDropped;
    this.modelName = modelName;
    this.sessionOptions = sessionOptions;
    this.file = file;
    this.model = model;
    this.maxPredictors = maxPredictors;
    this.idle = new ArrayBlockingQueue<>(maxPredictors);
    this.maxBatch = maxBatch;
    this.head = head;
  }

  /**
   * Checks the graph's signature against {@code inputs}/{@code outputs}, then loads it for inference.
   *
   * @throws InvalidBundleException naming the file and tensor when the signature breaks the contract
   */
  static OnnxGraph load(String modelName, Path file, List<Port> inputs, List<Port> outputs, InferenceOptions options,
      int inputSize) {
    return load(modelName, file, inputs, outputs, options, inputSize, null);
  }

  /**
   * {@link #load(String, Path, List, List, InferenceOptions, int)} with {@code head} appended to the graph (null:
   * none).
   * A head that cannot be attached to this graph (an opset before 6, or bytes that are no ModelProto) is logged and
   * left off: the caller then gets no {@link #head()} and encodes in Java.
   */
  static OnnxGraph load(String modelName, Path file, List<Port> inputs, List<Port> outputs, InferenceOptions options,
      int inputSize, Head head) {
    int maxBatch = checkSignature(file, inputs, outputs);
    Device device = options.isCuda() ? Device.gpu(options.cudaDeviceId()) : Device.cpu();
    String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
    OrtSession.SessionOptions session = sessionOptions(options, options.memoryPattern(inputSize));
    // DJL's OrtModel takes a ready SessionOptions under the option key "sessionOptions" (and adds the device's
    // execution provider to it); its string options cannot express session config entries such as spinning
    Map<String, ?> djlOptions = Map.of("sessionOptions", session);
    try {
      Attached headed = head == null ? null : headed(modelName, file, head);
      if (headed != null) {
        Model model = Model.newInstance(name, device, OrtRuntime.ENGINE);
        try {
          model.load(new ByteArrayInputStream(headed.bytes()), djlOptions);
          removeEmptyModelDir(model.getModelPath());
        } catch (IOException | MalformedModelException | RuntimeException e) {
          model.close();
          throw e;
        }
        List<String> parts = new ArrayList<>();
        if (headed.dense() != null) {
          parts.add("the output head (" + headed.dense() + ") as output '" + GraphHead.OUTPUT + "'");
        }
        if (headed.probe()) {
          parts.add("the probe head (" + head.probe() + (head.confidence() ? ", with confidence" : "") + ")");
        }
        if (headed.sourceDropped()) {
          parts.add("'" + head.source() + "' no longer a graph output");
        }
        LOG.info("model {}: {} with {}", modelName, file.getFileName(), String.join(", ", parts));
        return new OnnxGraph(modelName, file, model, options.predictors(), maxBatch, session, headed.dense(),
            headed.probe(), headed.sourceDropped());
      }
      @SuppressWarnings({"unchecked", "rawtypes"})
      Map<String, String> stringly = (Map) djlOptions;
      Criteria<TensorTranslator.Call, Map<String, Tensor>> criteria = Criteria.builder()
          .setTypes(TensorTranslator.CALL_CLASS, Tensors.MAP_CLASS)
          .optEngine(OrtRuntime.ENGINE)
          .optModelPath(file)
          .optModelName(name)
          .optDevice(device)
          .optTranslator(new TensorTranslator())
          .optOptions(stringly)
          .build();
      ZooModel<TensorTranslator.Call, Map<String, Tensor>> zoo = criteria.loadModel();
      return new OnnxGraph(modelName, file, zoo, options.predictors(), maxBatch, session, null, false, false);
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      session.close();
      throw new ModelException("model " + modelName + ": cannot load " + file + " on " + options.device() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * DJL's OrtModel, loading from bytes, creates an empty {@code ort-model*} folder in the OS temp folder and leaves
   * its removal to {@code deleteOnExit}, which a halted or killed process never runs (issue 26): removed here, once
   * the session holds the model.
   */
  static void removeEmptyModelDir(Path dir) {
    if (dir == null || !dir.getFileName().toString().startsWith("ort-model") || !Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.delete(dir); // fails, harmlessly, if DJL ever puts something in it
    } catch (IOException e) {
      LOG.debug("leaving {}: {}", dir, e.toString());
    }
  }

  /**
   * The model bytes with {@code head} appended, or null (logged) when this graph cannot take it. When the probe head
   * cannot be attached (an opset before 13) but the dense head can, only the dense head is, and the source stays a
   * graph output (the caller labels the 32-bit map in Java).
   */
  private static Attached headed(String modelName, Path file, Head head) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    boolean dense = head.head() != null && head.head().active();
    try {
      byte[] out = GraphHead.append(bytes, head.source(), new GraphHead.Spec(head.head(), head.projection(),
          head.probe(), head.confidence(), head.dropSource()));
      return new Attached(out, dense ? head.head() : null, head.probe() != null, head.dropSource());
    } catch (IllegalArgumentException e) {
      if (head.probe() != null) {
        LOG.warn("model {}: {} cannot take the probe head ({}): {}; labels are computed in Java", modelName,
            file.getFileName(), head.probe(), e.getMessage());
      }
      if (head.probe() == null || !dense) {
        if (dense) {
          LOG.warn("model {}: {} cannot take the output head ({}): {}; the dense output is encoded in Java",
              modelName, file.getFileName(), head.head(), e.getMessage());
        }
        return null;
      }
    }
    try {
      return new Attached(GraphHead.append(bytes, head.source(), head.head(), head.projection()), head.head(), false,
          false);
    } catch (IllegalArgumentException e) {
      LOG.warn("model {}: {} cannot take the output head ({}): {}; the dense output is encoded in Java", modelName,
          file.getFileName(), head.head(), e.getMessage());
      return null;
    }
  }

  /**
   * The session options {@code options} describe: thread counts and spinning (ONNX Runtime's config keys), and the
   * memory pattern ({@code memoryPattern}; ONNX Runtime's default is on).
   *
   * <p>Graph optimisation stops at the extended level: every fusion, but not the CPU provider's NCHWc layout
   * transformation, which at AnyUp's 128-channel full-resolution layers converts each conv's output back to NCHW for
   * the GroupNorm/SiLU/RoPE element-wise nodes around it (ReorderOutput was 16 % of the 224 graph's node time), so
   * the graph ran slower with it (issue 24, BENCHMARKS.md); the encoder's speed is the same either way, and the
   * numbers agree to float rounding (max |diff| 5e-7 on the 224 upsampler's output).
   */
  static OrtSession.SessionOptions sessionOptions(InferenceOptions options, boolean memoryPattern) {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
      if (!memoryPattern) {
        so.setMemoryPatternOptimization(false);
      }
      if (options.intraOpThreads() > 0) {
        so.setIntraOpNumThreads(options.intraOpThreads());
      }
      if (options.interOpThreads() > 0) {
        so.setInterOpNumThreads(options.interOpThreads());
      }
      String spin = options.spinning() ? "1" : "0";
      so.addConfigEntry("session.intra_op.allow_spinning", spin);
      so.addConfigEntry("session.inter_op.allow_spinning", spin);
      return so;
    } catch (OrtException e) {
      so.close();
      throw new ModelException("cannot set ONNX Runtime session options " + options + ": " + e.getMessage(), e);
    }
  }

  /** Reads the graph signature with a plain ORT session; returns the largest batch the graph accepts (0 = any). */
  private static int checkSignature(Path file, List<Port> inputs, List<Port> outputs) {
    OrtEnvironment env = OrtRuntime.environment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(file.toString(), so)) {
      int fixedBatch = check(file, "input", session.getInputInfo(), inputs);
      check(file, "output", session.getOutputInfo(), outputs);
      return fixedBatch;
    } catch (OrtException e) {
      throw new InvalidBundleException("graph " + file + " cannot be read by ONNX Runtime: " + e.getMessage(), e);
    }
  }

  private static int check(Path file, String kind, Map<String, NodeInfo> actual, List<Port> expected) {
    int fixedBatch = 0;
    for (Port port : expected) {
      NodeInfo info = actual.get(port.graphName());
      if (info == null) {
        throw new InvalidBundleException("graph " + file + " has no " + kind + " tensor '" + port.graphName()
            + "' (contract '" + port.contractName() + "'); its " + kind + "s are " + actual.keySet());
      }
      if (!(info.getInfo() instanceof TensorInfo)) {
        throw new InvalidBundleException("graph " + file + " " + kind + " '" + port.graphName() + "' is not a tensor");
      }
      TensorInfo tensor = (TensorInfo) info.getInfo();
      if (tensor.type != OnnxJavaType.FLOAT) {
        throw new InvalidBundleException("graph " + file + " " + kind + " '" + port.graphName() + "' is " + tensor.type
            + ", contract '" + port.contractName() + "' needs float32");
      }
      long[] shape = tensor.getShape();
      if (shape.length != port.rank()) {
        throw new InvalidBundleException("graph " + file + " " + kind + " '" + port.graphName() + "' has rank "
            + shape.length + " " + Arrays.toString(shape) + ", contract '" + port.contractName() + "' needs rank "
            + port.rank());
      }
      long[] fixed = port.fixedDims();
      for (int i = 1; i < shape.length && fixed != null; i++) {
        if (shape[i] > 0 && fixed[i] > 0 && shape[i] != fixed[i]) {
          throw new InvalidBundleException("graph " + file + " " + kind + " '" + port.graphName() + "' has shape "
              + Arrays.toString(shape) + ", the manifest implies " + Arrays.toString(fixed) + " (-1 = any)");
        }
      }
      if (shape[0] > 0 && kind.equals("input")) {
        fixedBatch = (int) shape[0];
      }
    }
    return fixedBatch;
  }

  String modelName() {
    return modelName;
  }

  /** The largest batch the graph accepts, 0 when the batch axis is dynamic. */
  int maxBatch() {
    return maxBatch;
  }

  /** The output head attached to this graph (its output is {@link GraphHead#OUTPUT}), or null. */
  OutputHead head() {
    return head;
  }

  /** Whether the probe head is attached: the graph outputs {@link GraphHead#LABELS} (and maybe the confidence). */
  boolean probeInGraph() {
    return probe;
  }

  /** Whether the head's source (the contract's {@code upsampled}) was dropped from the graph outputs. */
  boolean sourceDropped() {
    return sourceDropped;
  }

  /** Runs the graph and copies out every output; blocks while all predictors are busy. */
  Map<String, Tensor> run(Map<String, Tensor> inputs) throws TranslateException {
    return run(inputs, null);
  }

  /** Runs the graph and copies out the outputs in {@code fetch} (null: all); blocks while all predictors are busy. */
  Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> fetch) throws TranslateException {
    Predictor<TensorTranslator.Call, Map<String, Tensor>> predictor = borrow();
    try {
      return predictor.predict(new TensorTranslator.Call(inputs, fetch));
    } finally {
      idle.add(predictor);
    }
  }

  private Predictor<TensorTranslator.Call, Map<String, Tensor>> borrow() {
    Predictor<TensorTranslator.Call, Map<String, Tensor>> p = idle.poll();
    if (p != null) {
      return p;
    }
    synchronized (all) {
      if (all.size() < maxPredictors) {
        Predictor<TensorTranslator.Call, Map<String, Tensor>> created = model.newPredictor(translator);
        all.add(created);
        return created;
      }
    }
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelException("model " + modelName + ": interrupted while waiting for a predictor", e);
    }
  }

  @Override
  public void close() {
    synchronized (all) {
      for (Predictor<?, ?> p : all) {
        p.close();
      }
      all.clear();
    }
    model.close();
    sessionOptions.close();
  }

  @Override
  public String toString() {
    return modelName + " (" + file.getFileName() + ")";
  }
}
