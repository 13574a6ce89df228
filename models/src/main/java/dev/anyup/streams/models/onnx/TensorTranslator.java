package dev.anyup.streams.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.onnxruntime.engine.OrtNDArray;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float tensors in, named float tensors out. Outputs are copied to heap arrays (one per batch item) inside the
 * predictor context, so no native memory outlives a call: one copy from ONNX Runtime's memory into a float array
 * (which a batch of one keeps as is; a larger batch is split per item), not the two that DJL's generic
 * {@code toByteBuffer()} path makes (native to bytes, bytes to floats: 2 × 77 MB per 384×224×224 map).
 */
final class TensorTranslator implements NoBatchifyTranslator<Map<String, Tensor>, Map<String, Tensor>> {

  @Override
  public NDList processInput(TranslatorContext ctx, Map<String, Tensor> inputs) {
    NDManager manager = ctx.getNDManager();
    NDList list = new NDList(inputs.size());
    for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
      NDArray array = manager.create(FloatBuffer.wrap(e.getValue().flat()), new Shape(e.getValue().shape()));
      array.setName(e.getKey());
      list.add(array);
    }
    return list;
  }

  @Override
  public Map<String, Tensor> processOutput(TranslatorContext ctx, NDList list) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      NDArray array = list.get(i);
      String name = array.getName() == null ? "output" + i : array.getName();
      if (array.getDataType() != DataType.FLOAT32) {
        throw new IllegalStateException("graph output '" + name + "' is " + array.getDataType() + ", the contract needs float32");
      }
      long[] shape = array.getShape().getShape();
      int batch = shape.length == 0 ? 1 : (int) shape[0];
      long[] itemShape = shape.length == 0 ? new long[] {1} : shape;
      int per = batch == 0 ? 0 : (int) (array.size() / batch);
      FloatBuffer values = floats(array);
      float[][] items;
      if (batch == 1 && values.hasArray() && values.arrayOffset() == 0 && values.array().length == per) {
        items = new float[][] {values.array()};
      } else {
        items = new float[batch][per];
        for (int b = 0; b < batch; b++) {
          values.get(items[b]);
        }
      }
      out.put(name, Tensor.ofItems(items, itemShape));
    }
    return out;
  }

  /** The values of a float32 output: ONNX Runtime's own copy into a heap float buffer where the array is ORT's. */
  static FloatBuffer floats(NDArray array) {
    if (array instanceof OrtNDArray) {
      try {
        return ((OrtNDArray) array).getTensor().getFloatBuffer();
      } catch (RuntimeException e) {
        // not a plain dense tensor after all: the generic path below
      }
    }
    return array.toByteBuffer().asFloatBuffer();
  }
}
