package dev.anyup.streams.bench;

import java.nio.file.Path;

/**
 * One model configuration to benchmark.
 *
 * @param name label in the table
 * @param bundle {@code default} or a bundle folder, as {@code model.bundle} takes it
 * @param graphsDir a folder holding the bundle's manifest and graphs, for timing encoder and upsampler separately
 * @param inputSize the resolution profile
 */
record Workload(String name, String bundle, Path graphsDir, int inputSize) {

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
  }
}
