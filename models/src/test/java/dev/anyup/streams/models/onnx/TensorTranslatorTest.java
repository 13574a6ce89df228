package dev.anyup.streams.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.onnxruntime.engine.OrtNDArray;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class TensorTranslatorTest {

  @Test
  void anOnnxRuntimeOutputIsReadWithOneCopyIntoAHeapFloatArray() {
    OrtRuntime.environment();
    float[] values = new float[6 * 1024];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.25f - 7f;
    }
    try (NDManager manager = NDManager.newBaseManager(OrtRuntime.ENGINE)) {
      NDArray array = manager.create(values, new Shape(1, 6, 32, 32));
      assertTrue(array instanceof OrtNDArray, "ONNX Runtime's engine makes OrtNDArrays: " + array.getClass());
      FloatBuffer read = TensorTranslator.floats(array);
      // a heap buffer over a float[] of exactly the values: the translator keeps that array (no second copy)
      assertTrue(read.hasArray() && read.arrayOffset() == 0 && read.array().length == values.length,
          "heap float buffer over the values");
      assertArrayEquals(values, read.array());
    }
  }
}
