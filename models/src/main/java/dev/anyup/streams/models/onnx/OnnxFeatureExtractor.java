package dev.anyup.streams.models.onnx;

import ai.djl.translate.TranslateException;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.ModelException;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LinearProbe;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encoder graph, then the ONNX upsampler graph or a built-in upsampler, for one input size. Thread-safe: graphs are
 * shared and each run borrows pooled predictors. Does not own the graphs (the bundle does).
 */
final class OnnxFeatureExtractor implements FeatureExtractor {

  private final int inputSize;
  private final OnnxGraph encoder;
  private final OnnxGraph upsampler; // null when a built-in is used
  private final FeatureUpsampler builtin; // null when the ONNX upsampler is used
  private final Map<String, String> encoderOutputs;
  private final String upsamplerImage;
  private final String upsamplerFeatures;
  private final String upsamplerOutput;
  private final String encoderImage;
  private final boolean hasCls;
  private final int outputSize;
  private final OutputHead head; // the upsampler graph's output head, null when it has none
  private final boolean keepUpsampled;
  private final LinearProbe probe; // null when no labels are asked for
  private final boolean confidence;
  private final boolean graphProbe; // whether the upsampler graph computes the labels

  OnnxFeatureExtractor(int inputSize, OnnxGraph encoder, String encoderImage, Map<String, String> encoderOutputs,
      boolean hasCls, OnnxGraph upsampler, Map<String, String> upsamplerInputs, String upsamplerOutput,
      FeatureUpsampler builtin, int outputSize, boolean keepUpsampled) {
    this(inputSize, encoder, encoderImage, encoderOutputs, hasCls, upsampler, upsamplerInputs, upsamplerOutput, builtin,
        outputSize, keepUpsampled, null, false);
  }

  /**
   * @param probe the probe whose labels each result carries (in the graph when {@code upsampler} has the probe head,
   *     else {@link LinearProbe#label} on the upsampled map), or {@code null}
   */
  OnnxFeatureExtractor(int inputSize, OnnxGraph encoder, String encoderImage, Map<String, String> encoderOutputs,
      boolean hasCls, OnnxGraph upsampler, Map<String, String> upsamplerInputs, String upsamplerOutput,
      FeatureUpsampler builtin, int outputSize, boolean keepUpsampled, LinearProbe probe, boolean confidence) {
    this.probe = probe;
    this.confidence = confidence;
    this.graphProbe = probe != null && upsampler != null && upsampler.probeInGraph();
    this.inputSize = inputSize;
    this.encoder = encoder;
    this.encoderImage = encoderImage;
    this.encoderOutputs = encoderOutputs;
    this.hasCls = hasCls;
    this.upsampler = upsampler;
    this.upsamplerImage = upsamplerInputs == null ? null : upsamplerInputs.get("image");
    this.upsamplerFeatures = upsamplerInputs == null ? null : upsamplerInputs.get("features");
    this.upsamplerOutput = upsamplerOutput;
    this.builtin = builtin;
    this.outputSize = outputSize;
    this.head = upsampler == null ? null : upsampler.head();
    this.keepUpsampled = keepUpsampled;
  }

  @Override
  public int inputSize() {
    return inputSize;
  }

  @Override
  public List<FeatureResult> run(List<PreprocessedImage> batch) {
    return run(batch, null, false);
  }

  @Override
  public List<FeatureResult> run(List<PreprocessedImage> batch, FeatureUpsampler upsampler) {
    if (upsampler == null) {
      throw new IllegalArgumentException("upsampler must not be null (FeatureUpsampler.none() for the patch grid)");
    }
    return run(batch, upsampler, false);
  }

  /** Whether {@code run(batch, true)} can copy out the 32-bit upsampled map (the graph still outputs it). */
  boolean exposesUpsampled() {
    return upsampler == null || !upsampler.sourceDropped();
  }

  /**
   * {@link #run(List)}, copying the 32-bit upsampled map out even when the output head would leave it.
   *
   * @throws IllegalStateException when {@code upsampledFloats} and the graph no longer outputs the map
   *     ({@link #exposesUpsampled()})
   */
  List<FeatureResult> run(List<PreprocessedImage> batch, boolean upsampledFloats) {
    return run(batch, null, upsampledFloats);
  }

  /** @param chosen the caller's upsampler for this call, or {@code null} for the bundle's own */
  private List<FeatureResult> run(List<PreprocessedImage> batch, FeatureUpsampler chosen, boolean upsampledFloats) {
    if (upsampledFloats && !exposesUpsampled()) {
      throw new IllegalStateException("model " + upsampler + " no longer outputs the upsampled map");
    }
    if (batch == null || batch.isEmpty()) {
      return List.of();
    }
    for (int i = 0; i < batch.size(); i++) {
      PreprocessedImage p = batch.get(i);
      if (p == null || p.height() != inputSize || p.width() != inputSize) {
        throw new ModelException("model " + encoder.modelName() + ": image " + i + " of the batch is "
            + (p == null ? "null" : p.width() + "x" + p.height()) + ", expected " + inputSize + "x" + inputSize);
      }
    }
    OnnxGraph graph = chosen == null ? upsampler : null;
    int chunk = smallestFixedBatch(encoder.maxBatch(), graph == null ? 0 : graph.maxBatch());
    if (chunk <= 0) {
      return runChunk(batch, 0, chosen, upsampledFloats);
    }
    // static batch axis: run exactly `chunk` images at a time, padding the last group with repeats of its first image
    List<FeatureResult> out = new ArrayList<>(batch.size());
    for (int from = 0; from < batch.size(); from += chunk) {
      List<PreprocessedImage> group = new ArrayList<>(batch.subList(from, Math.min(batch.size(), from + chunk)));
      int real = group.size();
      while (group.size() < chunk) {
        group.add(group.get(0));
      }
      out.addAll(runChunk(group, from, chosen, upsampledFloats).subList(0, real));
    }
    return out;
  }

  private List<FeatureResult> runChunk(List<PreprocessedImage> batch, int offset, FeatureUpsampler chosen,
      boolean upsampledFloats) {
    int b = batch.size();
    int s = inputSize;
    int imageLen = 3 * s * s;
    float[] images = new float[b * imageLen];
    for (int i = 0; i < b; i++) {
      System.arraycopy(batch.get(i).chw(), 0, images, i * imageLen, imageLen);
    }
    Tensor image = new Tensor(images, new long[] {b, 3, s, s});
    Map<String, Tensor> enc = call(encoder, Map.of(encoderImage, image), offset, b);
    Tensor patches = output(enc, encoderOutputs.get("patch_features"), encoder, 4, b);
    Tensor cls = hasCls ? output(enc, encoderOutputs.get("cls"), encoder, 2, b) : null;
    Tensor up = null;
    Tensor dense = null;
    Tensor labels = null;
    Tensor conf = null;
    // the caller's upsampler replaces the bundle's graph (and the head and probe inside it) for this call
    FeatureUpsampler javaUpsampler = chosen != null ? chosen : builtin;
    if (upsampler != null && chosen == null) {
      Map<String, Tensor> in = new java.util.LinkedHashMap<>();
      in.put(upsamplerImage, image);
      in.put(upsamplerFeatures, patches);
      // the 32-bit map leaves the runtime only when someone needs it: no head replaces it, the caller keeps it,
      // verify() compares it, or the probe has to run in Java
      boolean floats = (head == null && !graphProbe) || keepUpsampled || upsampledFloats
          || (probe != null && !graphProbe);
      floats &= exposesUpsampled();
      Set<String> fetch = new java.util.HashSet<>();
      if (floats) {
        fetch.add(upsamplerOutput);
      }
      if (head != null) {
        fetch.add(GraphHead.OUTPUT);
      }
      if (graphProbe) {
        fetch.add(GraphHead.LABELS);
        if (confidence) {
          fetch.add(GraphHead.CONFIDENCE);
        }
      }
      Map<String, Tensor> outputs = call(upsampler, in, fetch, offset, b);
      up = floats ? output(outputs, upsamplerOutput, upsampler, 4, b) : null;
      dense = head == null ? null : output(outputs, GraphHead.OUTPUT, upsampler, 4, b);
      labels = graphProbe ? output(outputs, GraphHead.LABELS, upsampler, 3, b) : null;
      conf = graphProbe && confidence ? output(outputs, GraphHead.CONFIDENCE, upsampler, 3, b) : null;
    }
    List<FeatureResult> results = new ArrayList<>(b);
    int c = patches.dim(1);
    int h = patches.dim(2);
    int w = patches.dim(3);
    for (int i = 0; i < b; i++) {
      FeatureMap pf = new FeatureMap(c, h, w, patches.item(i));
      float[] clsVec = cls == null ? null : cls.item(i);
      FeatureMap upsampled = null;
      int target = outputSize > 0 ? outputSize : s;
      if (up != null) {
        int uc = up.dim(1);
        int uh = up.dim(2);
        int uw = up.dim(3);
        upsampled = new FeatureMap(uc, uh, uw, up.item(i));
        if (outputSize > 0 && (uh != target || uw != target)) {
          upsampled = FeatureUpsampler.bilinear().upsample(upsampled, null, target, target);
        }
      } else if (javaUpsampler != null) {
        upsampled = javaUpsampler.upsample(pf, batch.get(i), target, target);
      }
      LabelMap labelMap = null;
      if (labels != null) {
        labelMap = labelMap(labels, conf, i);
      } else if (probe != null) {
        labelMap = probe.label(upsampled, confidence);
      }
      results.add(new FeatureResult(pf, clsVec, upsampled, dense == null ? null : encoded(dense, i), labelMap));
    }
    return results;
  }

  /** Batch item {@code i} of the probe head's labels (uint8 or int32, raw) and confidence as a {@link LabelMap}. */
  private LabelMap labelMap(Tensor labels, Tensor conf, int i) {
    int h = labels.dim(1);
    int w = labels.dim(2);
    byte[] raw = labels.rawItem(i);
    int n = h * w;
    int[] values = new int[n];
    if (raw.length == n) {
      for (int p = 0; p < n; p++) {
        values[p] = raw[p] & 0xFF;
      }
    } else if (raw.length == 4 * n) {
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
    } else {
      throw new ModelException("model " + upsampler + ": labels of " + raw.length + " bytes for " + w + "x" + h
          + " pixels");
    }
    return new LabelMap(w, h, values, conf == null ? null : conf.item(i), probe.classNames());
  }

  /** Batch item {@code i} of the head's output as an {@link EncodedTensor} (raw float16, or float32 bytes). */
  private EncodedTensor encoded(Tensor dense, int i) {
    int[] shape = {dense.dim(1), dense.dim(2), dense.dim(3)};
    byte[] bytes;
    if (dense.isRaw()) {
      bytes = dense.rawItem(i);
    } else {
      float[] values = dense.item(i);
      ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(values);
      bytes = buf.array();
    }
    return new EncodedTensor(head.graphDtype(), shape, null, head.projectionId(), bytes);
  }

  /** The batch every graph accepts: the smallest static batch axis, 0 when all are dynamic. */
  private static int smallestFixedBatch(int a, int b) {
    if (a <= 0) {
      return b;
    }
    return b <= 0 ? a : Math.min(a, b);
  }

  private static Map<String, Tensor> call(OnnxGraph graph, Map<String, Tensor> inputs, int offset, int b) {
    return call(graph, inputs, null, offset, b);
  }

  private static Map<String, Tensor> call(OnnxGraph graph, Map<String, Tensor> inputs, Set<String> fetch, int offset,
      int b) {
    try {
      return graph.run(inputs, fetch);
    } catch (TranslateException | RuntimeException e) {
      if (e instanceof ModelException) {
        throw (ModelException) e;
      }
      throw new ModelException("model " + graph + " failed on images " + offset + ".." + (offset + b - 1)
          + " of the batch: " + e.getMessage(), e);
    }
  }

  private static Tensor output(Map<String, Tensor> outputs, String name, OnnxGraph graph, int rank, int b) {
    Tensor t = outputs.get(name);
    if (t == null) {
      throw new ModelException("model " + graph + " returned no output '" + name + "' (got " + outputs.keySet() + ")");
    }
    if (t.rank() != rank || t.dim(0) != b) {
      throw new ModelException("model " + graph + " output '" + name + "' has shape " + Arrays.toString(t.shape())
          + ", expected rank " + rank + " with batch " + b);
    }
    return t;
  }
}
