package dev.anyup.streams.app;

import dev.anyup.streams.topology.PipelineMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per interval in which images were processed: images/s and the bytes/s this instance sends to Kafka at
 * that measured rate, so an operator sees what the chosen dtype, projection and resolution cost (the startup line of
 * {@link OutputSizing#guidance} gives the same per image before any is processed). Counts are attempted work
 * ({@code anyup_images_attempted_total}, {@code anyup_bytes_out_total}); an aborted transaction's work counts too.
 */
final class OutputRateLog implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofSeconds(60);
  private static final Logger LOG = LoggerFactory.getLogger(OutputRateLog.class);

  private final PipelineMetrics metrics;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService executor;
  private double lastImages;
  private double lastBytes;
  private long lastAt;

  OutputRateLog(PipelineMetrics metrics, LongSupplier nanoTime) {
    this.metrics = metrics;
    this.nanoTime = nanoTime;
    this.lastAt = nanoTime.getAsLong();
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "anyup-output-rate");
      t.setDaemon(true);
      return t;
    });
  }

  void start(Duration interval) {
    executor.scheduleAtFixedRate(() -> line().ifPresent(LOG::info), interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The line for the window since the previous call, empty when no image was processed in it. */
  java.util.Optional<String> line() {
    double images = metrics.imagesAttempted();
    double bytes = metrics.bytesOut();
    long now = nanoTime.getAsLong();
    double seconds = Math.max(1e-9, (now - lastAt) / 1e9);
    double dImages = images - lastImages;
    double dBytes = bytes - lastBytes;
    lastImages = images;
    lastBytes = bytes;
    lastAt = now;
    if (dImages <= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(String.format(Locale.ROOT,
        "output: %.2f images/s over the last %.0f s, %s per image, %s/s to Kafka at that rate", dImages / seconds,
        seconds, OutputSizing.bytes(dBytes / dImages), OutputSizing.bytes(dBytes / seconds)));
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
