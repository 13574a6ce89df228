package dev.anyup.streams.topology;

import java.util.Locale;

/** Where in the pipeline a record failed; the value of the {@code anyup.dlq.stage} header. */
public enum Stage {
  DESERIALIZE, DECODE, PREPROCESS, INFERENCE, ENCODE, PRODUCE;

  /** The lower-case label used in headers and metric tags. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
