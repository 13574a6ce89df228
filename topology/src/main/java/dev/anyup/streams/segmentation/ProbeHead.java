package dev.anyup.streams.segmentation;

import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFile;
import dev.anyup.streams.topology.ConfigException;
import dev.anyup.streams.topology.SegmentationHead;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code probe} head: a trained linear classifier (K classes × C weights + bias) over the upsampled features,
 * loaded once at startup. Its version is the probe file's {@code version}, the same on every record.
 */
final class ProbeHead implements SegmentationHead {
  private static final Logger LOG = LoggerFactory.getLogger(ProbeHead.class);
  static final String KIND = "probe";

  private final LinearProbe probe;

  ProbeHead(LinearProbe probe) {
    this.probe = probe;
  }

  /**
   * Reads {@code file} and checks it against the bundle.
   *
   * @param channels the encoder's feature channels
   * @param encoderSha256 the bundle's encoder hash
   * @throws ConfigException naming the file when it does not read, or its channels or encoder hash differ from the
   *     bundle's (both values named)
   */
  static ProbeHead load(Path file, int channels, String encoderSha256) {
    ProbeFile.Loaded loaded = read(file);
    LinearProbe probe = loaded.probe();
    if (probe.channels() != channels) {
      throw new ConfigException("segmentation.probe.file " + file + ": probe " + probe.name() + " has "
          + probe.channels() + " channels but the bundle's encoder has " + channels);
    }
    if (loaded.encoderSha256() == null) {
      LOG.warn("probe file {} does not say which encoder it was trained on (no encoder_sha256): its labels are only "
          + "meaningful for the encoder it was trained with; this bundle's is {}", file, encoderSha256);
    } else if (!loaded.encoderSha256().equals(encoderSha256)) {
      throw new ConfigException("segmentation.probe.file " + file + ": probe " + probe.name()
          + " was trained on encoder sha256 " + loaded.encoderSha256() + " but the bundle's encoder is "
          + encoderSha256);
    }
    LOG.info("segmentation head: {} from {}", probe, file);
    return new ProbeHead(probe);
  }

  /** Reads {@code file}. @throws ConfigException naming the file when it does not read */
  static ProbeFile.Loaded read(Path file) {
    try {
      return ProbeFile.read(file);
    } catch (IOException e) {
      throw new ConfigException("segmentation.probe.file " + file + " cannot be loaded: " + e.getMessage(), e);
    }
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String name() {
    return probe.name();
  }

  @Override
  public Labels label(FeatureResult result, boolean withConfidence) {
    return new Labels(labels(result, withConfidence), probe.version());
  }

  /**
   * The one place the probe's labels come from: the label map the upsampler graph computed
   * ({@link FeatureResult#labels()}, when the bundle was loaded with this probe in {@code InferenceOptions}), else
   * {@link LinearProbe#label} on the upsampled map in Java (built-in upsamplers, resized outputs, graphs before opset
   * 13 — the extractor itself falls back there too, so in the app the graph's labels are the usual case).
   */
  LabelMap labels(FeatureResult result, boolean withConfidence) {
    LabelMap fromGraph = result.labels();
    if (fromGraph != null && (!withConfidence || fromGraph.confidence() != null)) {
      return fromGraph;
    }
    if (result.upsampled() == null) {
      throw new IllegalStateException("probe " + probe.name() + " needs the upsampled features but the result has "
          + "none (the bundle was loaded without keepUpsampled)");
    }
    return probe.label(result.upsampled(), withConfidence);
  }

  LinearProbe probe() {
    return probe;
  }
}
