package dev.anyup.streams.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Issue 24: the same ONNX graph (or two formulations of it) under different ONNX Runtime session options, run
 * alternately in one process so a loaded machine slows every variant alike. Prints the median and minimum wall ms per
 * batch-1 call of each variant and the max |diff| of its first output against the first variant's (same fixed-seed
 * inputs). Variants: {@code GRAPH} alone runs it with the app's options (ORT_ENABLE_ALL, memory pattern on) and with
 * ORT_ENABLE_EXTENDED (no NCHWc layout transformation); {@code GRAPH@extended} or {@code GRAPH@all} picks one.
 *
 * <pre>
 * java -cp ... dev.anyup.streams.bench.GraphOptionsBenchmark [--runs N] [--profile PREFIX] GRAPH[@level]...
 * </pre>
 */
public final class GraphOptionsBenchmark {

  private record Variant(String name, OrtSession session) {}

  private GraphOptionsBenchmark() {}

  public static void main(String[] args) throws OrtException {
    int runs = 5;
    String profile = null;
    List<String> specs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--profile" -> profile = args[++i];
        default -> specs.add(args[i]);
      }
    }
    if (specs.size() == 1 && !specs.get(0).contains("@")) {
      specs = List.of(specs.get(0) + "@all", specs.get(0) + "@extended");
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Variant> variants = new ArrayList<>();
    for (String spec : specs) {
      int at = spec.lastIndexOf('@');
      String graph = spec.substring(0, at);
      String level = spec.substring(at + 1);
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setOptimizationLevel(switch (level) {
        case "all" -> OptLevel.ALL_OPT;
        case "extended" -> OptLevel.EXTENDED_OPT;
        case "basic" -> OptLevel.BASIC_OPT;
        default -> throw new IllegalArgumentException("level must be all, extended or basic, was " + level);
      });
      if (profile != null) {
        options.enableProfiling(profile + "-" + variants.size());
      }
      variants.add(new Variant(spec, env.createSession(graph, options)));
    }
    Map<String, OnnxTensor> inputs = inputs(env, variants.get(0).session());
    float[][] outputs = new float[variants.size()][];
    double[][] times = new double[variants.size()][runs];
    for (int v = 0; v < variants.size(); v++) { // warm-up, and the outputs compared
      outputs[v] = run(variants.get(v).session(), inputs);
    }
    for (int r = 0; r < runs; r++) {
      for (int v = 0; v < variants.size(); v++) {
        long t0 = System.nanoTime();
        run(variants.get(v).session(), inputs);
        times[v][r] = (System.nanoTime() - t0) / 1e6;
      }
    }
    System.out.printf(Locale.ROOT, "%-70s %10s %10s %12s %7s%n", "variant", "median ms", "min ms", "max |diff|",
        "ratio");
    double base = median(times[0]);
    for (int v = 0; v < variants.size(); v++) {
      double max = 0;
      for (int i = 0; i < outputs[v].length; i++) {
        max = Math.max(max, Math.abs(outputs[v][i] - outputs[0][i]));
      }
      System.out.printf(Locale.ROOT, "%-70s %10.1f %10.1f %12.3g %6.2fx%n", variants.get(v).name(),
          median(times[v]), Arrays.stream(times[v]).min().orElse(0), max, base / median(times[v]));
      if (profile != null) {
        System.out.println("  profile: " + variants.get(v).session().endProfiling());
      }
      variants.get(v).session().close();
    }
    inputs.values().forEach(OnnxTensor::close);
  }

  private static Map<String, OnnxTensor> inputs(OrtEnvironment env, OrtSession session) throws OrtException {
    Random random = new Random(20251014);
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
      long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape().clone();
      shape[0] = 1;
      float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian();
      }
      inputs.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape));
    }
    return inputs;
  }

  private static float[] run(OrtSession session, Map<String, OnnxTensor> inputs) throws OrtException {
    try (OrtSession.Result result = session.run(inputs)) {
      FloatBuffer fb = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
