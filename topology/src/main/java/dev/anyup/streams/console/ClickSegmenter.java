package dev.anyup.streams.console;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.models.segmentation.PixelSimilarity;
import dev.anyup.streams.topology.DenseTensors;

/**
 * The console's click-to-segment on a kept {@link DenseFeatures} record: the record's tensor decoded to floats (any
 * dtype, PCA-projected channels as they are) and its preprocessing block as an
 * {@link dev.anyup.streams.models.ImageTransform}, handed to the library's {@link PixelSimilarity}, which does the
 * maths. The click is in SOURCE image pixels. Kafka- and HTTP-free.
 */
public final class ClickSegmenter {
  private ClickSegmenter() {}

  /**
   * Segments {@code d} from the source-image pixel ({@code srcX}, {@code srcY}); see
   * {@link PixelSimilarity#segment(dev.anyup.streams.models.FeatureMap, dev.anyup.streams.models.ImageTransform,
   * double, double, double)}.
   *
   * @throws IllegalArgumentException naming the image and the point when it lies outside the source image or outside
   *     the region the model saw (cropped away), or when the threshold is outside {@code [-1, 1]}
   */
  public static PixelSimilarity.Segmentation segment(DenseFeatures d, double srcX, double srcY, double threshold) {
    try {
      return PixelSimilarity.segment(DenseTensors.decode(d), DenseTensors.transform(d.getPreprocessing()), srcX, srcY,
          threshold);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("image " + d.getImageId() + ": " + e.getMessage(), e);
    }
  }
}
