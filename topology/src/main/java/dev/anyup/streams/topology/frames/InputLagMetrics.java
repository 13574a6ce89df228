package dev.anyup.streams.topology.frames;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * {@code anyup.input.records.lag{topic,partition}}: how many records each input partition's consumer is behind the log
 * end, from the stream threads' own consumer metric {@code consumer-fetch-manager-metrics/records-lag}. Kafka's
 * per-partition metrics only exist once a partition is assigned and fetched, and Micrometer's Kafka binder picks new
 * ones up only once a minute (and shows just the client-wide {@code records_lag_max} before that), so this binder
 * looks for new partitions every {@code refresh} and reads the current value at each scrape. A partition no longer
 * assigned here reads {@code NaN}.
 */
public final class InputLagMetrics implements AutoCloseable {
  static final String NAME = "anyup.input.records.lag";

  private final MeterRegistry registry;
  private final Supplier<Map<MetricName, ? extends Metric>> clientMetrics;
  private final String inputTopic;
  private final Set<String> bound = new HashSet<>(); // guarded by this
  private final ScheduledExecutorService refresher;

  /**
   * @param clientMetrics the Kafka client metrics to read, e.g. {@code kafkaStreams::metrics}
   * @param refresh how often to look for newly assigned partitions
   */
  public InputLagMetrics(MeterRegistry registry, Supplier<Map<MetricName, ? extends Metric>> clientMetrics,
      String inputTopic, Duration refresh) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clientMetrics = Objects.requireNonNull(clientMetrics, "clientMetrics");
    this.inputTopic = Objects.requireNonNull(inputTopic, "inputTopic");
    if (refresh == null || refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("refresh interval must be positive but was " + refresh);
    }
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "anyup-input-lag-metrics");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Registers a gauge for every input partition that has a lag metric now and has none yet. */
  synchronized void refresh() {
    for (MetricName name : clientMetrics.get().keySet()) {
      String partition = name.tags().get("partition");
      if (isInputLag(name) && !bound.contains(partition)) {
        Gauge.builder(NAME, () -> lag(partition))
            .description("records the consumer of this input partition is behind the log end (records-lag)")
            .tag("topic", inputTopic).tag("partition", partition).register(registry);
        bound.add(partition);
      }
    }
  }

  private boolean isInputLag(MetricName name) {
    return name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
        && inputTopic.equals(name.tags().get("topic")) && name.tags().containsKey("partition");
  }

  /** The largest current lag any consumer here reports for {@code partition}, NaN when none does. */
  private double lag(String partition) {
    double max = Double.NaN;
    for (Map.Entry<MetricName, ? extends Metric> e : clientMetrics.get().entrySet()) {
      if (isInputLag(e.getKey()) && partition.equals(e.getKey().tags().get("partition"))
          && e.getValue().metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
        max = Double.isNaN(max) ? n.doubleValue() : Math.max(max, n.doubleValue());
      }
    }
    return max;
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
