import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.DataOutputStream;
import java.io.BufferedOutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark helper for one ONNX graph on ONNX Runtime's CPU provider, batch 1 (run by {@code anyup_export.bench_upsampler},
 * one JVM per graph so the peak resident memory belongs to that graph alone).
 *
 * <p>Inputs are random normals from a fixed seed, so two graphs with the same inputs get the same values. Prints one
 * line {@code RESULT load_ms=.. median_ms=.. min_ms=.. runs=.. peak_rss_mb=..}; optionally writes the first output as
 * little-endian float32 (to compare two formulations; with {@code -Dbench.dumpInputs=true} also each input as
 * {@code OUT.NAME.f32}, to run them through a reference) and an ORT profile.
 *
 * <p>Usage: {@code java -cp onnxruntime-1.21.1.jar GraphBench.java GRAPH RUNS [OUT.f32|-] [PROFILE_PREFIX]}
 */
public final class GraphBench {
  public static void main(String[] args) throws Exception {
    Path graph = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    String out = args.length > 2 ? args[2] : "-";
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    if (args.length > 3 && !args[3].equals("-")) {
      options.enableProfiling(args[3]);
    }
    if (Boolean.getBoolean("bench.noArena")) { // ORT's CPU arena keeps its high-water mark; without it memory is freed
      options.setCPUArenaAllocator(false);
    }
    options.setMemoryPatternOptimization(Boolean.parseBoolean(System.getProperty("bench.memoryPattern", "true")));
    // -Dbench.optLevel=extended: the app's level (no NCHWc layout transformation); ORT's default is all
    String level = System.getProperty("bench.optLevel", "all");
    options.setOptimizationLevel(level.equals("extended") ? OrtSession.SessionOptions.OptLevel.EXTENDED_OPT
        : level.equals("basic") ? OrtSession.SessionOptions.OptLevel.BASIC_OPT
        : OrtSession.SessionOptions.OptLevel.ALL_OPT);
    long t0 = System.nanoTime();
    try (OrtSession session = env.createSession(graph.toString(), options)) {
      double loadMs = (System.nanoTime() - t0) / 1e6;
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
        if (!out.equals("-") && Boolean.getBoolean("bench.dumpInputs")) { // OUT.NAME.f32: to rerun them elsewhere
          writeFloats(Path.of(out + "." + e.getKey() + ".f32"), FloatBuffer.wrap(values));
        }
      }
      List<Double> times = new ArrayList<>();
      for (int r = 0; r <= runs; r++) { // run 0 is the warm-up
        long start = System.nanoTime();
        try (OrtSession.Result result = session.run(inputs)) {
          double ms = (System.nanoTime() - start) / 1e6;
          if (r > 0) {
            times.add(ms);
          }
        }
      }
      long peakRssMb = peakRssMb(); // before the output is copied onto the Java heap (benchmark overhead, not graph)
      if (!out.equals("-")) {
        try (OrtSession.Result result = session.run(inputs)) {
          writeFloats(Path.of(out), ((OnnxTensor) result.get(0)).getFloatBuffer());
        }
      }
      if (args.length > 3 && !args[3].equals("-")) {
        System.out.println("PROFILE " + session.endProfiling());
      }
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
      double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      System.out.printf("RESULT load_ms=%.0f median_ms=%.1f min_ms=%.1f runs=%d peak_rss_mb=%d%n", loadMs,
          sorted[sorted.length / 2], sorted[0], sorted.length, peakRssMb);
    }
  }

  private static void writeFloats(Path file, FloatBuffer fb) throws Exception {
    try (DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      while (fb.hasRemaining()) {
        dos.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(fb.get())));
      }
    }
  }

  private static long peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
