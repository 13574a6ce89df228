package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;
import dev.anyup.streams.topology.SegmentationHead;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The entry point of the segmentation capability: the {@link SegmentationHead} {@code segmentation.head} asks for,
 * checked against the loaded bundle.
 */
public final class SegmentationHeads {
  private SegmentationHeads() {}

  /**
   * The configured head, or {@code null} for {@code segmentation.head: none}.
   *
   * @param concepts reads the concepts topic's values (used by the {@code concepts} head only)
   * @param registry where the concepts head registers its {@code anyup.concepts.*} meters
   * @throws ConfigException when the probe file does not load or does not fit the bundle
   */
  public static SegmentationHead create(AppConfig cfg, ModelBundle bundle, Deserializer<Concept> concepts,
      MeterRegistry registry) {
    return create(cfg, bundle.manifest().encoder().channels(), bundle.encoderRef().sha256(), concepts, registry,
        System::currentTimeMillis);
  }

  /**
   * As {@link #create(AppConfig, ModelBundle, Deserializer, MeterRegistry)}, for an encoder given by its channels and
   * hash (tests with stand-in models), with the clock first-use delays are measured against.
   */
  public static SegmentationHead create(AppConfig cfg, int channels, String encoderSha256, Deserializer<Concept> concepts,
      MeterRegistry registry, LongSupplier wallClockMillis) {
    AppConfig.Segmentation s = cfg.segmentation();
    return switch (s.head()) {
      case "none" -> null;
      case ProbeHead.KIND -> ProbeHead.load(probeFile(cfg), channels, encoderSha256);
      case ConceptsHead.KIND -> new ConceptsHead(s.conceptsTopic(), concepts,
          new ConceptRecords(channels, encoderSha256), registry, wallClockMillis);
      default -> throw new ConfigException("segmentation.head '" + s.head() + "' is not one of none, probe, concepts");
    };
  }

  /**
   * The probe to run inside the upsampler graph ({@code InferenceOptions.probe}), read from
   * {@code segmentation.probe.file}; {@code null} unless {@code segmentation.head} is {@code probe}. The bundle refuses a
   * probe whose channels differ from its encoder's; {@link #create} checks the encoder hash.
   *
   * @throws ConfigException naming the file when it does not load
   */
  public static dev.anyup.streams.models.segmentation.LinearProbe probeForGraph(AppConfig cfg) {
    if (!cfg.segmentation().head().equals(ProbeHead.KIND)) {
      return null;
    }
    return ProbeHead.read(probeFile(cfg)).probe();
  }

  /**
   * {@code segmentation.probe.file}; a relative path is resolved against the bundle folder ({@code model.bundle}), or
   * against the working directory for the built-in default bundle.
   */
  static Path probeFile(AppConfig cfg) {
    Path file = Path.of(cfg.segmentation().probeFile());
    if (file.isAbsolute() || cfg.model().bundle().equals("default")) {
      return file;
    }
    return Path.of(cfg.model().bundle()).resolve(file);
  }
}
