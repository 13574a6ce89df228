package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.SegmentationMap;

/**
 * A side view of what the images processor emits, for in-process observers such as the web console. Called on the
 * stream thread right after the outputs (or the dead letter) were forwarded, so an implementation must return at once:
 * hand the objects off lossily (a bounded queue's {@code offer}) and never block, do I/O or decode here. The objects
 * passed are the ones already forwarded and must not be modified. Dead letters built by the Kafka Streams handler
 * backstops (outside the processor) are not seen here.
 */
public interface OutputTap {
  /** Taps nothing: the default. */
  OutputTap NONE = new OutputTap() {
    @Override
    public void processed(ImageEvent event, DenseFeatures dense) {}

    @Override
    public void deadLettered(DeadLetter deadLetter) {}
  };

  /** {@code event} was processed; {@code dense} is its dense output, or null when dense output is off. */
  void processed(ImageEvent event, DenseFeatures dense);

  /**
   * {@code event}'s label map was forwarded (a segmentation head is on); called before {@link #processed}. Default:
   * ignored.
   */
  default void segmented(ImageEvent event, SegmentationMap map) {}

  /** A dead letter was forwarded. */
  void deadLettered(DeadLetter deadLetter);

  /**
   * A forwarded dead letter: stage and reason codes, the exception message, the image id if it was known, the
   * original record's key and value bytes (unchanged) and its timestamp.
   */
  record DeadLetter(String stage, String reason, String message, String imageId, byte[] key, byte[] value,
      long timestamp) {}
}
