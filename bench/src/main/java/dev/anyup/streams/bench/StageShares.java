package dev.anyup.streams.bench;

/**
 * Mean time per image in each stage, in ms. {@code kafka} is what remains of the per-image wall time
 * ({@code elapsed / images}) after the measured stages: polling, producing, transactions and commits, Avro
 * serialisation inside the sink, and any idle time. When stages overlap (several stream threads) their sum can exceed
 * the wall time; then {@code kafka} is 0 and shares are relative to the stage sum.
 */
record StageShares(double decode, double preprocess, double encoder, double upsampler, double encode, double kafka) {

  static final StageShares NONE = new StageShares(0, 0, 0, 0, 0, 0);

  double total() {
    return decode + preprocess + encoder + upsampler + encode + kafka;
  }

  /** Share of {@code part} in percent of {@link #total()}. */
  double percent(double part) {
    double t = total();
    return t <= 0 ? Double.NaN : 100.0 * part / t;
  }
}
