package dev.anyup.streams.models;

/**
 * Resizes a decoded image to the model's square input (antialiased bilinear, PyTorch {@code antialias=True,
 * align_corners=False} semantics), normalises it with the bundle's mean/std and lays it out CHW. Letterbox padding is
 * the mean colour, i.e. zero after normalisation. Immutable and thread-safe.
 */
public final class Preprocessor {

  private final int inputSize;
  private final ResizeMode mode;
  private final float[] mean;
  private final float[] std;

  private Preprocessor(int inputSize, ResizeMode mode, float[] mean, float[] std) {
    this.inputSize = inputSize;
    this.mode = mode;
    this.mean = mean;
    this.std = std;
  }

  /**
   * @param inputSize side of the square model input
   * @param mode how to fit the image
   * @param mean per-channel mean of {@code rgb/255}
   * @param std per-channel std of {@code rgb/255}
   */
  public static Preprocessor create(int inputSize, ResizeMode mode, float[] mean, float[] std) {
    if (inputSize <= 0) {
      throw new IllegalArgumentException("inputSize must be positive, was " + inputSize);
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    if (mean == null || mean.length != 3) {
      throw new IllegalArgumentException("mean must have 3 values");
    }
    if (std == null || std.length != 3) {
      throw new IllegalArgumentException("std must have 3 values");
    }
    for (int c = 0; c < 3; c++) {
      if (!(std[c] > 0f)) {
        throw new IllegalArgumentException("std must be positive, was " + std[c] + " for channel " + c);
      }
    }
    return new Preprocessor(inputSize, mode, mean.clone(), std.clone());
  }

  public int inputSize() {
    return inputSize;
  }

  public ResizeMode mode() {
    return mode;
  }

  /** Resizes, normalises and records the transform. */
  public PreprocessedImage apply(DecodedImage image) {
    throw new UnsupportedOperationException("not yet implemented " + mean.length + std.length);
  }
}
