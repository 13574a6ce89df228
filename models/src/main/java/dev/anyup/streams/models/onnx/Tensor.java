package dev.anyup.streams.models.onnx;

import java.util.Arrays;

/**
 * A float tensor in C order whose first axis is the batch: what goes in and out of an ONNX graph. Held either flat
 * (inputs) or as one array per batch item (outputs, split straight from the native buffer so that per-image results
 * need no second copy). Treat the arrays as owned by whoever takes them; nothing here copies defensively.
 */
final class Tensor {

  private final long[] shape;
  private float[] flat;
  private final float[][] items;

  Tensor(float[] data, long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " floats, got " + data.length);
    }
    this.flat = data;
    this.items = null;
    this.shape = shape.clone();
  }

  private Tensor(float[][] items, long[] shape) {
    this.items = items;
    this.shape = shape.clone();
  }

  /** One array per batch item ({@code items.length == shape[0]}), each holding the item's values in C order. */
  static Tensor ofItems(float[][] items, long[] shape) {
    if (shape.length == 0 || items.length != shape[0]) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not have " + items.length + " items");
    }
    return new Tensor(items, shape);
  }

  long[] shape() {
    return shape.clone();
  }

  int rank() {
    return shape.length;
  }

  int dim(int i) {
    return (int) shape[i];
  }

  /** All values in C order (concatenated once if held per item). */
  synchronized float[] flat() {
    if (flat == null) {
      int per = items.length == 0 ? 0 : items[0].length;
      float[] all = new float[items.length * per];
      for (int i = 0; i < items.length; i++) {
        System.arraycopy(items[i], 0, all, i * per, per);
      }
      flat = all;
    }
    return flat;
  }

  /** Batch item {@code i}: the held array when split (or the whole array for a batch of one), else a copy. */
  float[] item(int i) {
    if (items != null) {
      return items[i];
    }
    if (shape[0] == 1) {
      return flat;
    }
    int per = flat.length / (int) shape[0];
    return Arrays.copyOfRange(flat, i * per, (i + 1) * per);
  }
}
