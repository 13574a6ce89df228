package dev.anyup.streams.bench;

import java.nio.file.Path;
import java.util.Map;

/**
 * One model configuration to benchmark.
 *
 * @param name label in the table
 * @param bundle {@code default} or a bundle folder, as {@code model.bundle} takes it
 * @param graphsDir a folder holding the bundle's manifest and graphs, for timing encoder and upsampler separately
 * @param inputSize the resolution profile
 * @param config app configuration of this workload's pipeline runs (e.g. the output dtype), before {@code --set}
 */
record Workload(String name, String bundle, Path graphsDir, int inputSize, Map<String, String> config) {

  Workload {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("workload name must not be blank");
    }
    if (bundle == null || bundle.isBlank()) {
      throw new IllegalArgumentException("bundle of workload " + name + " must not be blank");
    }
    if (inputSize <= 0) {
      throw new IllegalArgumentException("inputSize of workload " + name + " must be positive, was " + inputSize);
    }
    config = Map.copyOf(config);
  }

  Workload(String name, String bundle, Path graphsDir, int inputSize) {
    this(name, bundle, graphsDir, inputSize, Map.of());
  }

  /** Whether this is a null-model workload (its ceiling is the pipeline's own, not a model's). */
  boolean isNull() {
    return name.startsWith("null-");
  }
}
