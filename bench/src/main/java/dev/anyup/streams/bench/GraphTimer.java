package dev.anyup.streams.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times a bundle's encoder and ONNX upsampler graphs separately with plain ONNX Runtime sessions (same runtime and
 * default threading as the models module). {@code FeatureExtractor} only reports their sum; this gives the split used
 * to apportion the pipeline's model time between "encoder" and "upsampler".
 */
final class GraphTimer {

  /** Median wall time of one batch-1 call of each graph, in ms. */
  record Split(double encoderMs, double upsamplerMs) {
    double encoderShare() {
      return encoderMs / (encoderMs + upsamplerMs);
    }
  }

  private GraphTimer() {}

  static Split time(Path bundleDir, int inputSize, int repeats) {
    JsonNode manifest;
    try {
      manifest = new ObjectMapper().readTree(Files.readString(bundleDir.resolve("manifest.json")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + bundleDir.resolve("manifest.json"), e);
    }
    Path encoder = bundleDir.resolve(profileFile(manifest.path("encoder"), inputSize));
    Path upsampler = bundleDir.resolve(profileFile(manifest.path("upsampler"), inputSize));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession enc = env.createSession(encoder.toString(), options);
        OrtSession up = env.createSession(upsampler.toString(), options);
        OnnxTensor image = OnnxTensor.createTensor(env, randomImage(inputSize),
            new long[] {1, 3, inputSize, inputSize})) {
      String imageName = manifest.path("encoder").path("inputs").path("image").asText("image");
      String featuresOut = manifest.path("encoder").path("outputs").path("patch_features").asText("patch_features");
      Map<String, OnnxTensor> encInputs = Map.of(imageName, image);
      double encoderMs;
      try (OrtSession.Result first = enc.run(encInputs)) {
        encoderMs = median(repeats, () -> {
          try (OrtSession.Result r = enc.run(encInputs)) {
            return r.size();
          }
        });
        OnnxTensor features = (OnnxTensor) first.get(featuresOut).orElseThrow(
            () -> new IllegalStateException("encoder " + encoder + " has no output " + featuresOut));
        Map<String, OnnxTensor> upInputs = Map.of(
            manifest.path("upsampler").path("inputs").path("image").asText("image"), image,
            manifest.path("upsampler").path("inputs").path("features").asText("features"), features);
        try (OrtSession.Result warm = up.run(upInputs)) {
          warm.size();
        }
        double upsamplerMs = median(repeats, () -> {
          try (OrtSession.Result r = up.run(upInputs)) {
            return r.size();
          }
        });
        return new Split(encoderMs, upsamplerMs);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed timing the graphs of " + bundleDir + ": " + e.getMessage(), e);
    }
  }

  private static String profileFile(JsonNode model, int inputSize) {
    for (JsonNode profile : model.path("profiles")) {
      if (profile.path("input_size").asInt() == inputSize) {
        return profile.path("file").asText();
      }
    }
    throw new IllegalArgumentException("no profile for input size " + inputSize + " in " + model.path("name"));
  }

  private static FloatBuffer randomImage(int size) {
    SplittableRandom random = new SplittableRandom(7);
    float[] data = new float[3 * size * size];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return FloatBuffer.wrap(data);
  }

  /** A call that may throw ONNX Runtime's checked exception. */
  private interface OrtCall {
    int call() throws OrtException;
  }

  private static double median(int repeats, OrtCall call) throws OrtException {
    double[] ms = new double[Math.max(1, repeats)];
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      call.call();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return ms[ms.length / 2];
  }
}
