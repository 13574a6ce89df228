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
 * @param warmStart whether and how a frame's fit starts from the previous frame's kernel of the same source (not in
 *     upstream; off by default)
 */
public record UpsampleAnythingOptions(int steps, double learningRate, double finalLearningRate, int scheduleSteps,
    int radius, int threads, WarmStart warmStart) {

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
    if (warmStart == null) {
      throw new IllegalArgumentException("warm start must not be null (WarmStart.off())");
    }
  }

  /** Every image fitted cold, as upstream does. */
  public UpsampleAnythingOptions(int steps, double learningRate, double finalLearningRate, int scheduleSteps,
      int radius, int threads) {
    this(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads, WarmStart.off());
  }

  /** The upstream code's settings, all processors, no warm start. */
  public static UpsampleAnythingOptions defaults() {
    return new UpsampleAnythingOptions(51, 0.1, 1e-9, 5100, 8, 0);
  }

  /** The same settings with {@code steps} Adam steps. */
  public UpsampleAnythingOptions withSteps(int steps) {
    return new UpsampleAnythingOptions(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads,
        warmStart);
  }

  /** The same settings on {@code threads} threads. */
  public UpsampleAnythingOptions withThreads(int threads) {
    return new UpsampleAnythingOptions(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads,
        warmStart);
  }

  /** The same settings with {@code warmStart}. */
  public UpsampleAnythingOptions withWarmStart(WarmStart warmStart) {
    return new UpsampleAnythingOptions(steps, learningRate, finalLearningRate, scheduleSteps, radius, threads,
        warmStart);
  }

  /**
   * Warm start per source (beyond the paper, for streams): frames of one camera change little, so the fit of a frame
   * of a known source ({@link PreprocessedImage#source()}) starts from the kernel fitted to that source's previous
   * frame and stops as soon as its loss (measured before a step's update) is at or below that previous fit's final
   * loss, or after {@code steps} steps, whichever comes first. Kernels are kept per source and per grid size, for at
   * most {@code maxSources} sources (the least recently used is dropped first); a kept kernel is not used for a frame
   * captured more than {@code maxAge} before or after the frame it was fitted to (it is dropped then). Images with
   * no source are fitted cold. The result of a warm fit depends on the source's earlier frames: the same image can
   * give other features than its cold fit (docs/upsamplers.md, "For streams: warm start").
   *
   * @param enabled whether frames of a known source start warm
   * @param maxSources how many sources' kernels are kept, at least 1 (each: 4 floats per feature cell, 4 KB at 224)
   * @param maxAge the largest capture-time distance between a kept kernel's frame and the next one, positive
   */
  public record WarmStart(boolean enabled, int maxSources, java.time.Duration maxAge) {

    public WarmStart {
      if (maxSources < 1) {
        throw new IllegalArgumentException("warm start max sources must be positive, was " + maxSources);
      }
      if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("warm start max age must be positive, was " + maxAge);
      }
    }

    /** Off: every image is fitted cold (upstream's behaviour). */
    public static WarmStart off() {
      return new WarmStart(false, 1024, java.time.Duration.ofSeconds(10));
    }

    /** On, keeping up to {@code maxSources} sources' kernels for frames at most {@code maxAge} apart. */
    public static WarmStart on(int maxSources, java.time.Duration maxAge) {
      return new WarmStart(true, maxSources, maxAge);
    }
  }

  /**
   * The settings that change the output (threads do not: band sums are added in order), as the lineage's hash names
   * them, e.g. {@code upsample-anything steps=51 lr=0.1 final_lr=1.0E-9 schedule_steps=5100 radius=8}; warm start
   * adds {@code warm_start max_sources=N max_age_ms=M}.
   */
  public String describe() {
    String s = "upsample-anything steps=" + steps + " lr=" + learningRate + " final_lr=" + finalLearningRate
        + " schedule_steps=" + scheduleSteps + " radius=" + radius;
    return warmStart.enabled() ? s + " warm_start max_sources=" + warmStart.maxSources() + " max_age_ms="
        + warmStart.maxAge().toMillis() : s;
  }

  /** The learning rate of step {@code k} (0-based), as PyTorch's {@code LambdaLR} computes it in double. */
  double rate(int k) {
    double gamma = Math.pow(finalLearningRate / learningRate, 1.0 / scheduleSteps);
    return learningRate * Math.pow(gamma, k);
  }
}
