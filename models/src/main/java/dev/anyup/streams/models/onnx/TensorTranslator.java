package dev.anyup.streams.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.onnxruntime.engine.OrtNDArray;
import ai.djl.translate.TranslatorContext;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named float tensors in, named float tensors out. Outputs are copied to heap arrays (one per batch item) inside the
 * predictor context, so no native memory outlives a call: one copy from ONNX Runtime's memory into a float array
 * (which a batch of one keeps as is; a larger batch is split per item), not the two that DJL's generic
 * {@code toByteBuffer()} path makes (native to bytes, bytes to floats: 2 × 77 MB per 384×224×224 map). Only the
 * outputs a call names are copied ({@link Call#fetch}); the others are released with the call's native memory. A
 * float16 output (an {@link GraphHead output head}'s) and the probe head's uint8/int32 labels are copied once into raw
 * little-endian bytes per item.
 */
final class TensorTranslator implements NoBatchifyTranslator<TensorTranslator.Call, Map<String, Tensor>> {

  /**
   * One graph call.
   *
   * @param inputs input tensors by graph name
   * @param fetch the output names to copy out, or {@code null} for all
   */
  record Call(Map<String, Tensor> inputs, Set<String> fetch) {}

  static final Class<Call> CALL_CLASS = Call.class;

  @Override
  public NDList processInput(TranslatorContext ctx, Call call) {
    NDManager manager = ctx.getNDManager();
    Map<String, Tensor> inputs = call.inputs();
    NDList list = new NDList(inputs.size());
    ctx.setAttachment("fetch", java.util.Optional.ofNullable(call.fetch())); // empty: every output
    for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
      NDArray array = manager.create(FloatBuffer.wrap(e.getValue().flat()), new Shape(e.getValue().shape()));
      array.setName(e.getKey());
      list.add(array);
    }
    return list;
  }

  @Override
  public Map<String, Tensor> processOutput(TranslatorContext ctx, NDList list) {
    @SuppressWarnings("unchecked")
    Set<String> fetch = ((java.util.Optional<Set<String>>) ctx.getAttachment("fetch")).orElse(null);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      NDArray array = list.get(i);
      String name = array.getName() == null ? "output" + i : array.getName();
      if (fetch != null && !fetch.contains(name)) {
        continue;
      }
      long[] shape = array.getShape().getShape();
      int batch = shape.length == 0 ? 1 : (int) shape[0];
      long[] itemShape = shape.length == 0 ? new long[] {1} : shape;
      int per = batch == 0 ? 0 : (int) (array.size() / batch);
      DataType type = array.getDataType();
      if (type == DataType.FLOAT16 || type == DataType.UINT8 || type == DataType.INT32) {
        out.put(name, Tensor.ofRawItems(split(bytes(array), batch, per * type.getNumOfBytes()), itemShape));
        continue;
      }
      if (type != DataType.FLOAT32) {
        throw new IllegalStateException("graph output '" + name + "' is " + type + ", the contract needs float32");
      }
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

  /** Splits {@code all} into {@code batch} arrays of {@code per} bytes (none copied for a batch of one). */
  private static byte[][] split(byte[] all, int batch, int per) {
    if (batch == 1 && all.length == per) {
      return new byte[][] {all};
    }
    byte[][] items = new byte[batch][];
    for (int b = 0; b < batch; b++) {
      items[b] = java.util.Arrays.copyOfRange(all, b * per, (b + 1) * per);
    }
    return items;
  }

  /**
   * The raw bytes of an output, in the runtime's native order (little-endian on every platform ONNX Runtime ships
   * for): ONNX Runtime's own single copy into a heap buffer where the array is ORT's.
   */
  static byte[] bytes(NDArray array) {
    if (array instanceof OrtNDArray) {
      try {
        return remaining(((OrtNDArray) array).getTensor().getByteBuffer());
      } catch (RuntimeException e) {
        // not a plain dense tensor after all: the generic path below
      }
    }
    return remaining(array.toByteBuffer());
  }

  /** The remaining bytes of {@code b}: its own array when that is exactly them, else a copy. */
  private static byte[] remaining(ByteBuffer b) {
    if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
      return b.array();
    }
    byte[] copy = new byte[b.remaining()];
    b.get(copy);
    return copy;
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
