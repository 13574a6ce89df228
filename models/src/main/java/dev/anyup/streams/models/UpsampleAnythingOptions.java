package dev.anyup.streams.models;

/**
 * Settings of {@link FeatureUpsampler#upsampleAnything}: how long and how fast the per-image kernel is fitted. The
 * defaults ({@link #defaults()}) are the upstream code's ({@code seominseok0429/Upsample-Anything_Pytorch}, commit
 * {@code 6a02ae7}): 51 Adam steps at learning rate 0.1, decayed exponentially towards 1e-9 over 5,100 steps (so only
 * the first 1 % of the decay is ever used), neighbours within radius 8 low-resolution cells.
 *
 * @param steps Adam steps per image (upstream: 51); at least 1
 * @param learningRate Adam's initial learning rate (upstream: 0.1); positive
 * @param finalLearningRate the rate the exponential schedule reaches after {@code scheduleSteps} (upstream: 1e-9);
 *     positive, at most {@code learningRate}
 * @param scheduleSteps the schedule's horizon: the rate at step k is {@code learningRate · (final/learningRate)^(k /
 *     scheduleSteps)} (upstream: 5,100); at least 1
 * @param radius the largest neighbour offset in low-resolution cells (upstream: 8); 1..{@value #MAX_RADIUS}. Cost grows
 *     with its square: each output pixel visits up to (2·radius+1)² cells per step
 * @param threads threads that share one image's fit and apply; 0 = all available processors
 */
public record UpsampleAnythingOptions(int steps, double learningRate, double finalLearningRate, int scheduleSteps,
    int radius, int threads) {

  /** Largest accepted radius: (2·32+1)² = 4,225 neighbours per pixel per step is already ~15× the default's cost. */
  public static final int MAX_RADIUS = 32;

  /** Upper bound on steps: 10,000 steps at 224 are ~15 minutes per image on 2 cores. */
  public static final int MAX_STEPS = 10_000;

  public UpsampleAnythingOptions {
    if (steps < 1 || steps > MAX_STEPS) {
      throw new IllegalArgumentException("steps must be in 1.." + MAX_STEPS + ", was " + steps);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, was " + learningRate);
    }
    if (!(finalLearningRate > 0) || finalLearningRate > learningRate) {
      throw new IllegalArgumentException("final learning rate must be positive and at most the learning rate "
          + learningRate + ", was " + finalLearningRate);
    }
    if (scheduleSteps < 1) {
      throw new IllegalArgumentException("schedule steps must be positive, was " + scheduleSteps);
    }
    if (radius < 1 || radius > MAX_RADIUS) {
      throw new IllegalArgumentException("radius must be in 1.." + MAX_RADIUS + ", was " + radius);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must not be negative, was " + threads);
    }
  }

  /** The upstream code's settings, all processors. */
  public static UpsampleAnythingOptions defaults() {
    return new UpsampleAnythingOptions(51, 0.1, 1e-9, 5100, 8, 0);
  }

  /** The same settings with {@code steps} Adam steps. */
  public UpsampleAnythingOptions withSteps(int steps) {
    return new UpsampleAnythingOptions(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads);
  }

  /** The same settings on {@code threads} threads. */
  public UpsampleAnythingOptions withThreads(int threads) {
    return new UpsampleAnythingOptions(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads);
  }

  /** The learning rate of step {@code k} (0-based), as PyTorch's {@code LambdaLR} computes it in double. */
  double rate(int k) {
    double gamma = Math.pow(finalLearningRate / learningRate, 1.0 / scheduleSteps);
    return learningRate * Math.pow(gamma, k);
  }
}
