package dev.anyup.streams.models;

/**
 * A model-ready image: normalised float CHW planes, plus the transform that produced it and, optionally, the source it
 * came from.
 *
 * @param chw {@code 3 * height * width} floats, channel-major (R plane, G plane, B plane), normalised with the bundle's mean/std
 * @param height height in pixels
 * @param width width in pixels
 * @param transform how source pixels map to these pixels
 * @param source the camera or stream the image is a frame of ({@code ImageEvent.source_id}), or {@code null} when
 *     unknown; only a stateful upsampler reads it (Upsample Anything's warm start: {@link
 *     UpsampleAnythingOptions.WarmStart})
 * @param captureMillis the frame's capture time (epoch milliseconds) when {@code source} is set, else 0
 */
public record PreprocessedImage(float[] chw, int height, int width, ImageTransform transform, String source,
    long captureMillis) {

  public PreprocessedImage {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("size must be positive, was " + width + "x" + height);
    }
    if (chw == null || chw.length != 3 * height * width) {
      throw new IllegalArgumentException("chw must hold 3*height*width = " + (3 * height * width)
          + " floats, was " + (chw == null ? "null" : chw.length));
    }
  }

  /** An image of no known source. */
  public PreprocessedImage(float[] chw, int height, int width, ImageTransform transform) {
    this(chw, height, width, transform, null, 0L);
  }

  /** The same image, as the frame of {@code source} captured at {@code captureMillis}. */
  public PreprocessedImage withSource(String source, long captureMillis) {
    return new PreprocessedImage(chw, height, width, transform, source, captureMillis);
  }
}
