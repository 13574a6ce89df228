package dev.anyup.streams.models.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.anyup.streams.models.ModelException;
import java.util.EnumSet;

/**
 * The process-wide ONNX Runtime environment. DJL's OnnxRuntime engine must create it (with its threading options)
 * before anyone else calls {@link OrtEnvironment#getEnvironment()}, so every access goes through here.
 */
final class OrtRuntime {

  static final String ENGINE = "OnnxRuntime";

  private OrtRuntime() {}

  static OrtEnvironment environment() {
    try {
      Engine.getEngine(ENGINE);
    } catch (RuntimeException | LinkageError e) {
      throw new ModelException("DJL engine " + ENGINE + " cannot start: " + e.getMessage(), e);
    }
    return OrtEnvironment.getEnvironment();
  }

  static EnumSet<OrtProvider> providers() {
    environment();
    return OrtEnvironment.getAvailableProviders();
  }
}
