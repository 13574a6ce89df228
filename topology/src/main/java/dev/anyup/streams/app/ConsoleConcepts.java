package dev.anyup.streams.app;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.console.ConceptDefiner;
import dev.anyup.streams.segmentation.ConceptBuilder;
import dev.anyup.streams.segmentation.ConceptTopic;
import dev.anyup.streams.topology.AppConfig;
import java.time.Duration;

/**
 * "Define a concept" for the console of {@code run} ({@code console.concepts.enabled}): a {@link ConceptBuilder} on a
 * second load of the bundle (definitions run on the console's HTTP threads, never on a stream thread or the
 * pipeline's batcher) and a {@link ConceptTopic} writer on {@code segmentation.concepts.topic}. One definition at a
 * time, so an append always sees the previous write. Owns both.
 */
final class ConsoleConcepts implements ConceptDefiner, AutoCloseable {
  static final double DEFAULT_THRESHOLD = 0.6;
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final ConceptBuilder builder;
  private final ConceptTopic topic;

  private ConsoleConcepts(ConceptBuilder builder, ConceptTopic topic) {
    this.builder = builder;
    this.topic = topic;
  }

  /** Loads the bundle and creates the concepts topic when it is missing. */
  static ConsoleConcepts start(AppConfig cfg) {
    ConceptTopic topic = new ConceptTopic(cfg, cfg.segmentation().conceptsTopic(), WRITE_TIMEOUT);
    try {
      topic.ensure();
      return new ConsoleConcepts(ConceptBuilder.create(AnyupApp.loadBundle(cfg, cfg.model()), cfg), topic);
    } catch (RuntimeException e) {
      topic.close();
      throw e;
    }
  }

  @Override
  public synchronized Defined define(String imageId, byte[] image, String name, ConceptBuilder.Region region,
      Double threshold, boolean append) {
    Concept c;
    if (append) {
      Concept existing = ConceptsCommand.find(topic.read(), name).map(ConceptTopic.Entry::concept)
          .orElseThrow(() -> new IllegalArgumentException("there is no concept " + name + " on " + topic.topic()
              + " to add an example to"));
      c = builder.append(existing, imageId, image, region, threshold, "console");
    } else {
      c = builder.build(name, imageId, image, region, threshold != null ? threshold : DEFAULT_THRESHOLD, "console");
    }
    long offset = topic.put(c);
    return new Defined(c.getName(), topic.topic(), offset, c.getDimension(), c.getPrototypes().size(),
        c.getThreshold());
  }

  @Override
  public void close() {
    try {
      topic.close();
    } finally {
      builder.close();
    }
  }
}
