package dev.anyup.streams.models.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LinearProbe;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GraphHeadTest {

  /** {@code x → Identity → upsampled} at {@code opset} (made by models/export/tools/probe_fixtures.py). */
  private static byte[] identity(int opset) throws Exception {
    Path dir = Paths.get(GraphHeadTest.class.getResource("probe-graphs/identity_opset13.onnx").toURI()).getParent();
    return Files.readAllBytes(dir.resolve("identity_opset" + opset + ".onnx"));
  }

  private static LinearProbe probe(int classes, int channels, long seed) {
    Random r = new Random(seed);
    float[] w = new float[classes * channels];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    float[] b = new float[classes];
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      b[k] = (float) r.nextGaussian();
      names.add("c" + k);
    }
    return new LinearProbe("p", "1", names, channels, w, b);
  }

  /** Runs {@code model} on {@code features} (batch 1) and returns its outputs' names and, per name, the values. */
  private static Map<String, Object> run(byte[] model, FeatureMap features) throws Exception {
    OrtEnvironment env = OrtRuntime.environment();
    long[] shape = {1, features.channels(), features.height(), features.width()};
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, so);
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features.data()), shape);
        OrtSession.Result result = session.run(Map.of("x", x))) {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, OnnxValue> e : result) {
        OnnxTensor t = (OnnxTensor) e.getValue();
        out.put(e.getKey(), switch (t.getInfo().type) {
          case UINT8 -> copy(t.getByteBuffer());
          case INT32 -> {
            int[] v = new int[(int) t.getInfo().getNumElements()];
            t.getIntBuffer().get(v);
            yield v;
          }
          default -> {
            float[] v = new float[(int) t.getInfo().getNumElements()];
            t.getFloatBuffer().get(v);
            yield v;
          }
        });
      }
      return out;
    }
  }

  private static byte[] copy(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static FeatureMap features(int c, int h, int w, long seed) {
    Random r = new Random(seed);
    float[] v = new float[c * h * w];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return new FeatureMap(c, h, w, v);
  }

  @Test
  void probeHeadComputesTheJavaLabelsAndConfidenceWithReduceMaxAxesAsAttributeOrInput() throws Exception {
    FeatureMap x = features(6, 9, 11, 3);
    for (int opset : new int[] {13, 18}) {
      for (int classes : new int[] {5, 300}) {
        LinearProbe probe = probe(classes, 6, opset + classes);
        byte[] headed = GraphHead.append(identity(opset), "upsampled",
            new GraphHead.Spec(null, null, probe, true, false));
        Map<String, Object> out = run(headed, x);
        assertEquals(List.of("upsampled", GraphHead.LABELS, GraphHead.CONFIDENCE), List.copyOf(out.keySet()),
            "opset " + opset);
        LabelMap java = probe.label(x, true);
        int[] labels = new int[java.labels().length];
        Object raw = out.get(GraphHead.LABELS);
        if (classes <= GraphHead.UINT8_CLASSES) {
          byte[] bytes = (byte[]) raw;
          for (int p = 0; p < labels.length; p++) {
            labels[p] = bytes[p] & 0xFF;
          }
        } else {
          labels = (int[]) raw;
        }
        // unit-variance features and weights over 6 channels: no pixel is within float rounding of a tie
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.labels(), labels, "opset " + opset + ", " + classes);
        float[] confidence = (float[]) out.get(GraphHead.CONFIDENCE);
        for (int p = 0; p < confidence.length; p++) {
          assertEquals(java.confidence()[p], confidence[p], 1e-6, "opset " + opset + " pixel " + p);
        }
      }
    }
  }

  @Test
  void droppingTheSourceLeavesOnlyTheHeadsOutputs() throws Exception {
    LinearProbe probe = probe(3, 4, 1);
    byte[] headed = GraphHead.append(identity(13), "upsampled",
        new GraphHead.Spec(new OutputHead(DType.FLOAT16, null, false), null, probe, false, true));
    Map<String, Object> out = run(headed, features(4, 5, 5, 1));
    assertEquals(java.util.Set.of(GraphHead.OUTPUT, GraphHead.LABELS), out.keySet());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GraphHead.withoutOutput(identity(13), "features"));
    assertTrue(e.getMessage().contains("no graph output 'features'"), e.getMessage());
  }

  @Test
  void probeHeadNeedsOpset13() throws Exception {
    byte[] model = identity(12);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphHead.append(model,
        "upsampled", new GraphHead.Spec(null, null, probe(2, 4, 1), false, false)));
    assertTrue(e.getMessage().contains("opset 12, the probe head needs 13"), e.getMessage());
    // the dense head alone still fits
    assertTrue(GraphHead.append(model, "upsampled", new OutputHead(DType.FLOAT16, null, false), null).length
        > model.length);
    e = assertThrows(IllegalArgumentException.class, () -> GraphHead.append(model, "upsampled",
        new GraphHead.Spec(OutputHead.none(), null, null, false, false)));
    assertTrue(e.getMessage().contains("does nothing"), e.getMessage());
  }

  private static byte[] tinyUpsampler() throws Exception {
    Path dir = Paths.get(GraphHeadTest.class.getResource("tiny-bundle/manifest.json").toURI()).getParent();
    return Files.readAllBytes(dir.resolve("upsampler_28.onnx"));
  }

  @Test
  void readsTheDefaultDomainsOpset() throws Exception {
    long opset = GraphHead.defaultOpset(tinyUpsampler());
    assertTrue(opset >= 6 && opset < 100, "opset " + opset);
  }

  @Test
  void refusesBytesThatAreNoModel() {
    OutputHead cast = new OutputHead(DType.FLOAT16, null, false);
    // field 2, wire type 2, length 100 with 1 byte left
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(new byte[] {0x12, 100, 1}, "upsampled", cast, null));
    assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    // a well-formed message without opset_import: nothing to build on
    e = assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(new byte[] {0x08, 7}, "upsampled", cast, null));
    assertTrue(e.getMessage().contains("opset 0"), e.getMessage());
  }

  @Test
  void appendsToTheOriginalBytesWithoutRewritingThem() throws Exception {
    byte[] model = tinyUpsampler();
    byte[] headed = GraphHead.append(model, "upsampled", new OutputHead(DType.FLOAT16, null, false), null);
    assertTrue(headed.length > model.length);
    assertEquals(java.nio.ByteBuffer.wrap(model), java.nio.ByteBuffer.wrap(headed, 0, model.length));
    assertEquals(GraphHead.defaultOpset(model), GraphHead.defaultOpset(headed));
    assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(model, "upsampled", new OutputHead(DType.INT8, null, false), null), "no-op head");
  }
}
