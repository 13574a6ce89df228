package dev.anyup.streams.models.onnx;

import java.util.Arrays;

/**
 * A tensor in C order whose first axis is the batch: what goes in and out of an ONNX graph. A float tensor is held
 * either flat (inputs) or as one array per batch item (outputs, split straight from the native buffer so that
 * per-image results need no second copy); an output of another element type (an output head's float16) is held as
 * its raw little-endian bytes per item. Treat the arrays as owned by whoever takes them; nothing here copies
 * defensively.
 */
final class Tensor {

  private final long[] shape;
  private float[] flat;
  private final float[][] items;
  private final byte[][] raw;

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
    this.raw = null;
    this.shape = shape.clone();
  }

  private Tensor(float[][] items, byte[][] raw, long[] shape) {
    this.items = items;
    this.raw = raw;
    this.shape = shape.clone();
  }

  /** One array per batch item ({@code items.length == shape[0]}), each holding the item's values in C order. */
  static Tensor ofItems(float[][] items, long[] shape) {
    if (shape.length == 0 || items.length != shape[0]) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not have " + items.length + " items");
    }
    return new Tensor(items, null, shape);
  }

  /** Raw little-endian bytes per batch item ({@code items.length == shape[0]}), for a non-float32 output. */
  static Tensor ofRawItems(byte[][] items, long[] shape) {
    if (shape.length == 0 || items.length != shape[0]) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not have " + items.length + " items");
    }
    return new Tensor(null, items, shape);
  }

  /** Whether the values are held as raw bytes ({@link #rawItem}) rather than floats. */
  boolean isRaw() {
    return raw != null;
  }

  /** The raw bytes of batch item {@code i} of a raw tensor. */
  byte[] rawItem(int i) {
    if (raw == null) {
      throw new IllegalStateException("a float tensor has no raw items");
    }
    return raw[i];
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
    requireFloat();
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
    requireFloat();
    if (items != null) {
      return items[i];
    }
    if (shape[0] == 1) {
      return flat;
    }
    int per = flat.length / (int) shape[0];
    return Arrays.copyOfRange(flat, i * per, (i + 1) * per);
  }

  private void requireFloat() {
    if (raw != null) {
      throw new IllegalStateException("tensor " + Arrays.toString(shape) + " holds raw bytes, not floats");
    }
  }
}
