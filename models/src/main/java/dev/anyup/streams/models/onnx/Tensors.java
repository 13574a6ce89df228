package dev.anyup.streams.models.onnx;

import java.util.Map;

/** Class literals for the translator's generic types. */
final class Tensors {

  static final Class<Map<String, Tensor>> MAP_CLASS = mapClass();

  private Tensors() {}

  @SuppressWarnings("unchecked")
  private static Class<Map<String, Tensor>> mapClass() {
    Class<?> raw = Map.class;
    return (Class<Map<String, Tensor>>) raw;
  }
}
