package dev.anyup.streams.topology;

import java.util.Locale;

/**
 * Where a record failed; the value of the {@code anyup.dlq.stage} header. The first six are the pipeline's own stages;
 * {@link #PROCESS} and {@link #SOURCE} are set by the Kafka Streams handler backstops, for failures outside them.
 */
public enum Stage {
  DESERIALIZE, DECODE, PREPROCESS, INFERENCE, ENCODE, PRODUCE, PROCESS, SOURCE;

  /** The lower-case label used in headers and metric tags. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
