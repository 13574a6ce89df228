package dev.anyup.streams.models.onnx;

import java.util.Arrays;

/** A float tensor in C order: what goes in and out of an ONNX graph. */
record Tensor(float[] data, long[] shape) {

  Tensor {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " floats, got " + data.length);
    }
  }

  int dim(int i) {
    return (int) shape[i];
  }
}
