package dev.anyup.streams.models;

/**
 * Resizes a decoded image to the model's square input, normalises it with the bundle's mean/std and lays it out CHW.
 *
 * <p>Resampling is separable antialiased bilinear with PyTorch's {@code F.interpolate(mode="bilinear",
 * align_corners=False, antialias=True)} semantics (PIL's triangle filter whose support grows with the downscale
 * factor), computed on floats. Sizes follow torchvision: {@link ResizeMode#SHORTER_SIDE_CENTER_CROP} resizes the
 * shorter side to S and the longer to {@code floor(S * long / short)}, then crops the centre with offsets
 * {@code round_half_even((resized - S) / 2)}; {@link ResizeMode#LETTERBOX} resizes the longer side to S and the shorter
 * to {@code max(1, round_half_even(S * short / long))}, centred with offset {@code floor((S - resized) / 2)}, padding
 * with the mean colour (zero after normalisation); {@link ResizeMode#SQUASH} resizes to S×S. Only the output pixels
 * inside the crop are computed. An image decoded at a reduced JPEG scale ({@link DecodedImage#reduction()}) gets the
 * transform of its full-size source, and the same filter over the same source positions read from its coarser grid.
 * Immutable and thread-safe.
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
      throw new IllegalArgumentException("mean must have 3 values, was " + (mean == null ? "null" : mean.length));
    }
    if (std == null || std.length != 3) {
      throw new IllegalArgumentException("std must have 3 values, was " + (std == null ? "null" : std.length));
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

  /** The transform this preprocessor applies to a {@code width × height} source. */
  public ImageTransform transformFor(int width, int height) {
    int s = inputSize;
    int rw;
    int rh;
    switch (mode) {
      case SHORTER_SIDE_CENTER_CROP:
        if (width <= height) {
          rw = s;
          rh = (int) ((long) s * height / width);
        } else {
          rh = s;
          rw = (int) ((long) s * width / height);
        }
        break;
      case LETTERBOX:
        if (width >= height) {
          rw = s;
          rh = Math.max(1, (int) Math.rint((double) s * height / width));
        } else {
          rh = s;
          rw = Math.max(1, (int) Math.rint((double) s * width / height));
        }
        break;
      default:
        rw = s;
        rh = s;
        break;
    }
    double scaleX = (double) rw / width;
    double scaleY = (double) rh / height;
    if (mode == ResizeMode.LETTERBOX) {
      return new ImageTransform(width, height, s, s, scaleX, scaleY, 0, 0, width, height,
          (s - rw) / 2, (s - rh) / 2, rw, rh, mode);
    }
    int left = (int) Math.rint((rw - s) / 2.0);
    int top = (int) Math.rint((rh - s) / 2.0);
    return new ImageTransform(width, height, s, s, scaleX, scaleY, left / scaleX, top / scaleY, s / scaleX, s / scaleY,
        0, 0, s, s, mode);
  }

  /** Resizes, normalises and records the transform. */
  public PreprocessedImage apply(DecodedImage image) {
    int w = image.sourceWidth();
    int h = image.sourceHeight();
    int reduction = image.reduction();
    ImageTransform t = transformFor(w, h);
    int s = inputSize;
    int rw = (int) Math.round(t.scaleX() * w);
    int rh = (int) Math.round(t.scaleY() * h);
    // output columns/rows of the resized grid that we need, and where they go in the target
    int firstCol = mode == ResizeMode.LETTERBOX ? 0 : (int) Math.rint((rw - s) / 2.0);
    int firstRow = mode == ResizeMode.LETTERBOX ? 0 : (int) Math.rint((rh - s) / 2.0);
    int cols = t.contentWidth();
    int rows = t.contentHeight();
    ResampleFilter fx = reduction == 1 ? ResampleFilter.antialiasedBilinear(w, rw, firstCol, cols)
        : ResampleFilter.antialiasedBilinear(image.width(), (double) w / rw / reduction, firstCol, cols);
    ResampleFilter fy = reduction == 1 ? ResampleFilter.antialiasedBilinear(h, rh, firstRow, rows)
        : ResampleFilter.antialiasedBilinear(image.height(), (double) h / rh / reduction, firstRow, rows);
    int stride = image.width() * 3;

    // horizontal pass over the source rows the vertical pass will read, one plane per channel:
    // tmp[c * tmpPlane + (row - rowStart) * cols + x]
    int rowStart = fy.start[0];
    int rowEnd = fy.start[rows - 1] + fy.size[rows - 1];
    byte[] rgb = image.rgb();
    int tmpPlane = (rowEnd - rowStart) * cols;
    float[] tmp = new float[3 * tmpPlane];
    for (int y = rowStart; y < rowEnd; y++) {
      int src = y * stride;
      int dst = (y - rowStart) * cols;
      for (int x = 0; x < cols; x++) {
        int k0 = fx.start[x];
        int n = fx.size[x];
        int wo = x * fx.stride;
        float r = 0;
        float g = 0;
        float b = 0;
        for (int k = 0; k < n; k++) {
          float wt = fx.weights[wo + k];
          int p = src + (k0 + k) * 3;
          r += wt * (rgb[p] & 0xff);
          g += wt * (rgb[p + 1] & 0xff);
          b += wt * (rgb[p + 2] & 0xff);
        }
        tmp[dst + x] = r;
        tmp[tmpPlane + dst + x] = g;
        tmp[2 * tmpPlane + dst + x] = b;
      }
    }

    // vertical pass + normalisation into CHW, a plane at a time (contiguous rows); padding stays 0 (= the mean colour)
    float[] chw = new float[3 * s * s];
    int plane = s * s;
    int padX = t.padX();
    int padY = t.padY();
    float[] acc = new float[cols];
    for (int c = 0; c < 3; c++) {
      float a = 1f / (255f * std[c]);
      float bias = -mean[c] / std[c];
      int base = c * tmpPlane - rowStart * cols;
      for (int y = 0; y < rows; y++) {
        java.util.Arrays.fill(acc, 0f);
        int k0 = fy.start[y];
        int n = fy.size[y];
        int wo = y * fy.stride;
        for (int k = 0; k < n; k++) {
          float wt = fy.weights[wo + k];
          int off = base + (k0 + k) * cols;
          for (int x = 0; x < cols; x++) {
            acc[x] += wt * tmp[off + x];
          }
        }
        int out = c * plane + (y + padY) * s + padX;
        for (int x = 0; x < cols; x++) {
          chw[out + x] = acc[x] * a + bias;
        }
      }
    }
    return new PreprocessedImage(chw, s, s, t);
  }
}
