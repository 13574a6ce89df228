package dev.anyup.streams.models.onnx;

import ai.djl.Device;
import ai.djl.MalformedModelException;
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
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One ONNX graph loaded through DJL's OnnxRuntime engine, with a small pool of predictors (a DJL {@link Predictor} is
 * not thread-safe; the loaded model is shared). {@link #run} is thread-safe; {@link #close()} releases predictors and
 * the model.
 */
final class OnnxGraph implements AutoCloseable {

  /** What the contract requires of one graph tensor. */
  record Port(String contractName, String graphName, int rank, long[] fixedDims) {}

  private final String modelName;
  private final Path file;
  private final ZooModel<Map<String, Tensor>, Map<String, Tensor>> model;
  private final BlockingQueue<Predictor<Map<String, Tensor>, Map<String, Tensor>>> idle;
  private final List<Predictor<Map<String, Tensor>, Map<String, Tensor>>> all = new ArrayList<>();
  private final int maxPredictors;
  private final int maxBatch;
  private final OrtSession.SessionOptions sessionOptions; // outlives the session (ORT's rule); closed after the model

  private OnnxGraph(String modelName, Path file, ZooModel<Map<String, Tensor>, Map<String, Tensor>> model,
      int maxPredictors, int maxBatch, OrtSession.SessionOptions sessionOptions) {
    this.modelName = modelName;
    this.sessionOptions = sessionOptions;
    this.file = file;
    this.model = model;
    this.maxPredictors = maxPredictors;
    this.idle = new ArrayBlockingQueue<>(maxPredictors);
    this.maxBatch = maxBatch;
  }

  /**
   * Checks the graph's signature against {@code inputs}/{@code outputs}, then loads it for inference.
   *
   * @throws InvalidBundleException naming the file and tensor when the signature breaks the contract
   */
  static OnnxGraph load(String modelName, Path file, List<Port> inputs, List<Port> outputs, InferenceOptions options,
      int inputSize) {
    int maxBatch = checkSignature(file, inputs, outputs);
    Criteria.Builder<Map<String, Tensor>, Map<String, Tensor>> criteria = Criteria.builder()
        .setTypes(Tensors.MAP_CLASS, Tensors.MAP_CLASS)
        .optEngine(OrtRuntime.ENGINE)
        .optModelPath(file)
        .optModelName(file.getFileName().toString().replaceFirst("\\.onnx$", ""))
        .optTranslator(new TensorTranslator())
        .optDevice(options.isCuda() ? Device.gpu(options.cudaDeviceId()) : Device.cpu());
    OrtSession.SessionOptions session = sessionOptions(options, options.memoryPattern(inputSize));
    // DJL's OrtModel takes a ready SessionOptions under the option key "sessionOptions" (and adds the device's
    // execution provider to it); its string options cannot express session config entries such as spinning
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map<String, String> djlOptions = (Map) Map.of("sessionOptions", session);
    criteria.optOptions(djlOptions);
    try {
      return new OnnxGraph(modelName, file, criteria.build().loadModel(), options.predictors(), maxBatch, session);
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      session.close();
      throw new ModelException("model " + modelName + ": cannot load " + file + " on " + options.device() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The session options {@code options} describe: thread counts and spinning (ONNX Runtime's config keys), and the
   * memory pattern ({@code memoryPattern}; ONNX Runtime's default is on).
   */
  static OrtSession.SessionOptions sessionOptions(InferenceOptions options, boolean memoryPattern) {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
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

  /** Runs the graph; blocks while all predictors are busy. */
  Map<String, Tensor> run(Map<String, Tensor> inputs) throws TranslateException {
    Predictor<Map<String, Tensor>, Map<String, Tensor>> predictor = borrow();
    try {
      return predictor.predict(inputs);
    } finally {
      idle.add(predictor);
    }
  }

  private Predictor<Map<String, Tensor>, Map<String, Tensor>> borrow() {
    Predictor<Map<String, Tensor>, Map<String, Tensor>> p = idle.poll();
    if (p != null) {
      return p;
    }
    synchronized (all) {
      if (all.size() < maxPredictors) {
        Predictor<Map<String, Tensor>, Map<String, Tensor>> created = model.newPredictor();
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
