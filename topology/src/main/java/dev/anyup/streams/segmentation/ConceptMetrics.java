package dev.anyup.streams.segmentation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The concepts head's meters: changes applied and refused (by reason), the current concept-set version and size, and
 * how long after a change was written this instance first labelled a frame with it.
 */
final class ConceptMetrics {
  static final String APPLIED = "anyup.concepts.applied";
  static final String REJECTED = "anyup.concepts.rejected";
  static final String VERSION = "anyup.concepts.version";
  static final String COUNT = "anyup.concepts.count";
  static final String FIRST_USE = "anyup.concepts.first.use.delay";

  private final Counter defined;
  private final Counter removed;
  private final Map<ConceptRejection, Counter> rejected = new EnumMap<>(ConceptRejection.class);
  private final Timer firstUse;

  ConceptMetrics(MeterRegistry registry, Supplier<LiveConcepts.Snapshot> current) {
    defined = Counter.builder(APPLIED).description("concept records applied (a definition or a removal)")
        .tag("change", "define").register(registry);
    removed = Counter.builder(APPLIED).description("concept records applied (a definition or a removal)")
        .tag("change", "remove").register(registry);
    for (ConceptRejection r : ConceptRejection.values()) {
      rejected.put(r, Counter.builder(REJECTED).description("concept records refused, by reason; each leaves the "
          + "concept as it was").tag("reason", r.name()).register(registry));
    }
    Gauge.builder(VERSION, () -> current.get().version()).description("the concept-set version labels are made "
        + "with now: the concepts-topic offset one past the last record applied").register(registry);
    Gauge.builder(COUNT, () -> current.get().set().concepts().size()).description("concepts defined now")
        .register(registry);
    firstUse = Timer.builder(FIRST_USE).description("from a concept change's record timestamp (its write) to the "
        + "first label map this instance computed with it").publishPercentileHistogram().register(registry);
  }

  void defined() {
    defined.increment();
  }

  void removed() {
    removed.increment();
  }

  void rejected(ConceptRejection reason) {
    rejected.get(reason).increment();
  }

  void firstUse(long millis) {
    firstUse.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }
}
