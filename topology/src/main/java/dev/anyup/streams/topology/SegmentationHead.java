package dev.anyup.streams.topology;

import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.segmentation.LabelMap;
import org.apache.kafka.streams.Topology;

/**
 * A segmentation head as the pipeline sees it: labels the pixels of one image's features, and says what it is. The
 * pipeline owns this interface so that a head (package {@code dev.anyup.streams.segmentation}) plugs in without the
 * pipeline knowing it, as {@link OutputTap} does for the console. Called on stream threads, concurrently: an
 * implementation must be thread-safe and must not block on I/O.
 */
public interface SegmentationHead {

  /** {@code probe} or {@code concepts}: the {@code head_kind} of every record. */
  String kind();

  /** The probe's name, or the concepts topic: the {@code head_name} of every record. */
  String name();

  /**
   * Labels every pixel of {@code result}'s features.
   *
   * @param withConfidence whether the map should carry each pixel's confidence
   * @return the map with its class names, and the head version it was computed with (which, for a live concept set,
   *     is read together with the set it labels with, so a record never names one version and uses another)
   */
  Labels label(FeatureResult result, boolean withConfidence);

  /**
   * Adds what the head needs to the topology (the concepts head: its global store fed by the concepts topic).
   * Called once by {@link AnyupTopology#build}; the default adds nothing.
   */
  default void attach(Topology topology) {}

  /** A head's answer for one image: the label map and the head version it was computed with. */
  record Labels(LabelMap map, String version) {
    public Labels {
      if (map == null) {
        throw new IllegalArgumentException("map must not be null");
      }
      if (version == null || version.isBlank()) {
        throw new IllegalArgumentException("version must not be blank");
      }
    }
  }
}
