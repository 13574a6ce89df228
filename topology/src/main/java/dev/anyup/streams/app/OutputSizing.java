package dev.anyup.streams.app;

import dev.anyup.streams.models.BundleManifest;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ConfigException;

/**
 * How large the configured output records are, so topics ({@code max.message.bytes}) and the producer
 * ({@code max.request.size}) can be sized at startup and an impossible configuration refused before any record
 * is read.
 *
 * @param denseBytes serialised dense record upper bound (0 when disabled)
 * @param embeddingBytes serialised embedding record upper bound (0 when disabled)
 */
record OutputSizing(long denseBytes, long embeddingBytes) {
  /** Avro framing, lineage, preprocessing and strings: generous, records are otherwise dominated by the tensor. */
  static final long HEADROOM_BYTES = 64 * 1024;

  static OutputSizing of(AppConfig cfg, ModelBundle bundle) {
    BundleManifest m = bundle.manifest();
    int channels = denseChannels(cfg, bundle);
    int size = denseSide(cfg, m);
    long dense = 0;
    if (cfg.output().denseEnabled()) {
      DType dtype = DType.valueOf(cfg.output().denseDtype());
      dense = OutputEncoder.encodedSize(channels, size, size, dtype) + 4L * channels + HEADROOM_BYTES;
    }
    long embedding = 0;
    if (cfg.output().embeddingsEnabled()) {
      long vectors = 1 + (long) cfg.output().regionsGrid() * cfg.output().regionsGrid();
      embedding = vectors * m.encoder().channels() * 5L + HEADROOM_BYTES;
    }
    return new OutputSizing(dense, embedding);
  }

  /** Channels of the dense record: the encoder's, or the projection's output. */
  private static int denseChannels(AppConfig cfg, ModelBundle bundle) {
    String pid = cfg.output().projectionId();
    return pid == null ? bundle.manifest().encoder().channels() : bundle.projection(pid).outChannels();
  }

  /** Side of the dense record: {@code output.dense.size}, else the upsampler's native output size. */
  private static int denseSide(AppConfig cfg, BundleManifest m) {
    return cfg.output().denseSize() > 0 ? cfg.output().denseSize() : nativeOutputSize(cfg, m);
  }

  private static int nativeOutputSize(AppConfig cfg, BundleManifest m) {
    if (cfg.model().upsampler().equals("onnx") && m.upsampler() != null) {
      return m.upsampler().profiles().stream().filter(p -> p.inputSize() == cfg.model().inputSize())
          .mapToInt(BundleManifest.UpsamplerProfile::outputSize).findFirst().orElse(cfg.model().inputSize());
    }
    return cfg.model().inputSize();
  }

  /** Image rates for which {@link #guidance} states the Kafka bandwidth. */
  static final int[] GUIDANCE_RATES = {1, 10, 50};

  /**
   * What one image costs Kafka with this configuration, before anything is deployed: bytes per image (dense record
   * of dtype × channels × side², plus the embedding record) and the bytes/s at a few image rates, for the startup log.
   */
  static String guidance(AppConfig cfg, ModelBundle bundle) {
    OutputSizing sizing = of(cfg, bundle);
    long perImage = sizing.denseBytes() + sizing.embeddingBytes();
    StringBuilder sb = new StringBuilder("output per image: ");
    if (cfg.output().denseEnabled()) {
      String pid = cfg.output().projectionId();
      int size = denseSide(cfg, bundle.manifest());
      sb.append(String.format(java.util.Locale.ROOT, "dense %s (%s %dx%dx%d%s)", bytes(sizing.denseBytes()),
          cfg.output().denseDtype(), denseChannels(cfg, bundle), size, size, pid == null ? "" : ", projection " + pid));
    }
    if (cfg.output().embeddingsEnabled()) {
      sb.append(cfg.output().denseEnabled() ? " + " : "").append("embedding ").append(bytes(sizing.embeddingBytes()));
    }
    sb.append(" = ").append(bytes(perImage)).append(" (upper bounds); to Kafka");
    for (int rate : GUIDANCE_RATES) {
      sb.append(rate == GUIDANCE_RATES[0] ? " " : ", ").append(bytes(perImage * rate)).append("/s at ").append(rate)
          .append(" image").append(rate == 1 ? "" : "s").append("/s");
    }
    return sb.toString();
  }

  /** {@code n} bytes in binary units, e.g. {@code 36.8 MiB}. */
  static String bytes(double n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (n >= 1024 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    return u == 0 ? String.format(java.util.Locale.ROOT, "%.0f B", n)
        : String.format(java.util.Locale.ROOT, "%.1f %s", n, units[u]);
  }

  /** The largest output record. */
  long largest() {
    return Math.max(denseBytes, embeddingBytes);
  }

  /**
   * The producer's {@code max.request.size} this configuration needs: the user's, when it fits, else refused; computed
   * when not set. {@code deadLetterBytes} is the largest dead letter (an original input record).
   */
  int requiredMaxRequestSize(AppConfig cfg, long deadLetterBytes) {
    long need = Math.max(largest(), deadLetterBytes);
    if (need > Integer.MAX_VALUE - 1) {
      throw new ConfigException("configured output records of " + need + " bytes cannot be produced to Kafka; "
          + "lower output.dense.size, use output.projection or a smaller output.dense.dtype");
    }
    if (cfg.maxRequestSizeExplicit()) {
      if (cfg.maxRequestSize() < largest()) {
        throw new ConfigException("producer.max.request.size=" + cfg.maxRequestSize() + " is smaller than the "
            + "configured output record (" + largest() + " bytes: dense " + denseBytes + ", embedding "
            + embeddingBytes + "); raise it, or lower output.dense.size / output.dense.dtype / use output.projection");
      }
      return cfg.maxRequestSize();
    }
    return (int) Math.max(need, 1024 * 1024);
  }

  /** Kafka's default producer {@code buffer.memory}. */
  static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

  /**
   * The producer's {@code buffer.memory} for records up to {@code maxRequest} bytes. The producer refuses a record
   * larger than its buffer ({@code RecordTooLargeException}), which Kafka Streams treats as fatal for the thread, so
   * the buffer must hold at least one record; computed as room for two when not set, and a user value that cannot
   * hold one is refused.
   */
  long requiredBufferMemory(AppConfig cfg, int maxRequest) {
    long configured = cfg.bufferMemory();
    if (configured >= 0) {
      if (configured < maxRequest) {
        throw new ConfigException("producer.buffer.memory=" + configured + " cannot hold one output record of up to "
            + maxRequest + " bytes (producer.max.request.size); raise it, or make the records smaller");
      }
      return configured;
    }
    return Math.max(DEFAULT_BUFFER_MEMORY, 2L * maxRequest);
  }
}
