package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.util.Locale;

/**
 * Startup check that the images the configured limits admit fit the heap (issue 22: a valid 48 Mpx JPEG under the
 * 50 Mpx default ended a {@code -Xmx320m} instance with an OutOfMemoryError, again after every restart).
 *
 * <p>The worst case of one image in flight, on the heap: the input record and the event's copy of its bytes
 * (2 × {@code limits.image.max.bytes}), the decoded raster and its RGB copy ({@value #BYTES_PER_PIXEL} bytes per
 * pixel × {@code limits.image.max.pixels}: a 16-bit RGBA PNG decodes to 8 bytes per pixel, plus 3 for the RGB copy;
 * an 8-bit JPEG needs 6), and the outputs (3 × the largest output record: the model's arrays, the Avro record, its
 * serialised bytes). Each stream thread that owns a partition has at most one image in flight. Together they must fit
 * {@value #HEAP_SHARE_PERCENT} % of the heap less {@value #RESERVED_MIB} MiB; the rest is for the Kafka clients'
 * buffers, Kafka Streams, the metrics and the model's Java side (its weights and ONNX Runtime's arena live outside
 * the heap).
 *
 * <p>When they do not fit, the effective {@code limits.image.max.pixels} is lowered to what does (a larger image
 * becomes a {@code decode/TOO_MANY_PIXELS} dead letter, refused from its header before any raster exists) and one WARN
 * line says so with the numbers; when not even an image of the model's input size fits, the start is refused.
 */
record MemoryAdmission(long heapBytes, int imagesInFlight, long maxImageBytes, long maxPixels, long outputBytes,
    long minPixels) {
  static final int BYTES_PER_PIXEL = 11;
  static final int HEAP_SHARE_PERCENT = 60;
  static final int RESERVED_MIB = 64;
  /** Lowered limits are rounded down to this many pixels. */
  private static final long ROUNDING = 100_000;

  /**
   * @param heapBytes the JVM's maximum heap ({@code Runtime.maxMemory()})
   * @param imagesInFlight stream threads that can own a partition: min(threads, input partitions)
   * @param outputBytes the largest output record
   */
  static MemoryAdmission of(AppConfig cfg, long heapBytes, int imagesInFlight, long outputBytes) {
    long side = cfg.model().inputSize();
    return new MemoryAdmission(heapBytes, Math.max(1, imagesInFlight), cfg.limits().maxImageBytes(),
        cfg.limits().maxImagePixels(), outputBytes, side * side);
  }

  /** Bytes one image in flight may need at {@code pixels}. */
  long perImage(long pixels) {
    return 2 * maxImageBytes + BYTES_PER_PIXEL * pixels + 3 * outputBytes;
  }

  /** What the images in flight may use: the heap's share less the reserve. */
  long budget() {
    return heapBytes / 100 * HEAP_SHARE_PERCENT - RESERVED_MIB * 1024L * 1024L;
  }

  long need() {
    return imagesInFlight * perImage(maxPixels);
  }

  boolean fits() {
    return need() <= budget();
  }

  /** The largest {@code limits.image.max.pixels} that fits (rounded down), at most the configured one; may be ≤ 0. */
  long fittingPixels() {
    if (fits()) {
      return maxPixels;
    }
    long perImageBudget = budget() / imagesInFlight - 2 * maxImageBytes - 3 * outputBytes;
    long pixels = perImageBudget / BYTES_PER_PIXEL;
    return pixels >= ROUNDING ? pixels / ROUNDING * ROUNDING : pixels;
  }

  /** Whether not even an image of the model's input size fits: the start is refused. */
  boolean refused() {
    return fittingPixels() < minPixels;
  }

  /** The heap {@code -Xmx} at which the configured limits would fit. */
  long heapNeeded() {
    return (need() + RESERVED_MIB * 1024L * 1024L) / HEAP_SHARE_PERCENT * 100;
  }

  private String arithmetic() {
    return String.format(Locale.ROOT, "%d image(s) in flight (stream threads owning a partition) x %s each "
        + "(2 x limits.image.max.bytes %s + %d B/pixel x limits.image.max.pixels %,d + 3 x the largest output %s) "
        + "= %s; the heap (-Xmx) is %s, of which %d %% less %d MiB = %s are for images", imagesInFlight,
        OutputSizing.bytes(perImage(maxPixels)), OutputSizing.bytes(maxImageBytes), BYTES_PER_PIXEL, maxPixels,
        OutputSizing.bytes(outputBytes), OutputSizing.bytes(need()), OutputSizing.bytes(heapBytes),
        HEAP_SHARE_PERCENT, RESERVED_MIB, OutputSizing.bytes(budget()));
  }

  /** The start-up line: INFO when it fits, the WARN of a lowered limit otherwise. */
  String line() {
    if (fits()) {
      return "memory admission: " + arithmetic() + ": fits";
    }
    return String.format(Locale.ROOT, "memory admission: limits.image.max.pixels lowered from %,d to %,d: %s. "
        + "Larger images become dead letters (decode/TOO_MANY_PIXELS). To keep %,d, give the JVM -Xmx%dm or more%s",
        maxPixels, fittingPixels(), arithmetic(), maxPixels, heapNeeded() / (1024 * 1024) + 1,
        imagesInFlight > 1 ? ", or run fewer stream threads (streams.num.stream.threads)" : "");
  }

  /** The one line of a refused start. */
  String refusal() {
    return String.format(Locale.ROOT, "the heap cannot hold one image at the configured limits: %s, which leaves "
        + "room for %,d pixels per image, fewer than the model's input (%,d). Raise -Xmx (at least %dm for these "
        + "limits), or lower limits.image.max.bytes, limits.image.max.pixels, streams.num.stream.threads or the "
        + "output size (output.dense.size, output.dense.dtype)", arithmetic(), Math.max(0, fittingPixels()),
        minPixels, heapNeeded() / (1024 * 1024) + 1);
  }
}
