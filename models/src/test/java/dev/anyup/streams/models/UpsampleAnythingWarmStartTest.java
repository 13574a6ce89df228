package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Upsample Anything's warm start per source ({@link UpsampleAnythingOptions.WarmStart}, {@link WarmStartKernels}). */
class UpsampleAnythingWarmStartTest {

  private static final int SIDE = 56; // a 4x4 grid at scale 14
  private static final int GRID = 4;
  private static final float[] MEAN = {0.5f, 0.5f, 0.5f};
  private static final float[] STD = {0.25f, 0.25f, 0.25f};
  private static final UpsampleAnythingOptions COLD = UpsampleAnythingOptions.defaults().withSteps(6).withThreads(1);
  private static final UpsampleAnythingOptions WARM = COLD.withWarmStart(
      UpsampleAnythingOptions.WarmStart.on(8, Duration.ofSeconds(1)));

  /** Frame {@code k} of a pan: a smooth colour pattern moved {@code 2k} pixels (normalised model input). */
  private static PreprocessedImage frame(int k) {
    float[] chw = new float[3 * SIDE * SIDE];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
          double u = x + 2 * k;
          double v = 0.5 + 0.4 * Math.sin(u / (6.0 + c) + y / 9.0) * ((u + y) % 23 < 11 ? 1 : -0.5);
          chw[c * SIDE * SIDE + y * SIDE + x] = (float) ((v - 0.5) / 0.25);
        }
      }
    }
    return new PreprocessedImage(chw, SIDE, SIDE,
        new ImageTransform(SIDE, SIDE, SIDE, SIDE, 1, 1, 0, 0, SIDE, SIDE, 0, 0, SIDE, SIDE, ResizeMode.SQUASH));
  }

  private static FeatureMap features(long seed) {
    Random r = new Random(seed);
    float[] f = new float[5 * GRID * GRID];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return new FeatureMap(5, GRID, GRID, f);
  }

  private static float[] cold(PreprocessedImage image, FeatureMap f) {
    return new UpsampleAnythingUpsampler(COLD, MEAN, STD).upsample(f, image, SIDE, SIDE).data();
  }

  @Test
  void nextFrameOfASourceIsFittedFromItsPreviousKernelUntilThatFitsLoss() {
    UpsampleAnythingUpsampler up = new UpsampleAnythingUpsampler(WARM, MEAN, STD);
    FeatureMap f = features(1);
    PreprocessedImage a = frame(0).withSource("cam-1", 1_000);
    PreprocessedImage b = frame(1).withSource("cam-1", 1_200);
    assertArrayEquals(cold(a, f), up.upsample(f, a, SIDE, SIDE).data(), "the first frame is fitted cold");
    float[] warm = up.upsample(f, b, SIDE, SIDE).data();

    float[] guideA = up.guide(a, SIDE, SIDE);
    float[] guideB = up.guide(b, SIDE, SIDE);
    AnisotropicKernel.Fit fitA = AnisotropicKernel.fit(guideA, GRID, GRID, 14, null, WARM, 0f);
    AnisotropicKernel.Fit fitB = AnisotropicKernel.fit(guideB, GRID, GRID, 14, fitA.kernel(), WARM, fitA.lastLoss());
    assertArrayEquals(fitB.kernel().apply(guideB, f, WARM).data(), warm);
    assertFalse(Arrays.equals(cold(b, f), warm), "a warm fit is not the cold one");
  }

  @Test
  void otherSourcesUnknownSourcesAndStaleFramesAreFittedCold() {
    UpsampleAnythingUpsampler up = new UpsampleAnythingUpsampler(WARM, MEAN, STD);
    FeatureMap f = features(2);
    up.upsample(f, frame(0).withSource("cam-1", 1_000), SIDE, SIDE);
    float[] coldB = cold(frame(1), f);
    assertArrayEquals(coldB, up.upsample(f, frame(1).withSource("cam-2", 1_100), SIDE, SIDE).data(), "other source");
    assertArrayEquals(coldB, up.upsample(f, frame(1), SIDE, SIDE).data(), "no source");
    assertArrayEquals(coldB, up.upsample(f, frame(1).withSource("cam-1", 2_001), SIDE, SIDE).data(),
        "captured 1,001 ms after the kept kernel's frame (max age 1 s)");
  }

  @Test
  void warmStartOffFitsEveryFrameCold() {
    UpsampleAnythingUpsampler up = new UpsampleAnythingUpsampler(COLD, MEAN, STD);
    FeatureMap f = features(3);
    up.upsample(f, frame(0).withSource("cam-1", 1_000), SIDE, SIDE);
    assertArrayEquals(cold(frame(1), f), up.upsample(f, frame(1).withSource("cam-1", 1_100), SIDE, SIDE).data());
  }

  @Test
  void sourcesOnSeveralThreadsGetWhatEachSourceGetsAlone() throws Exception {
    // as stream threads do: each source's frames in order on one thread, several sources at once
    int sources = 6;
    int frames = 3;
    FeatureMap f = features(4);
    float[][][] alone = new float[sources][frames][];
    for (int s = 0; s < sources; s++) {
      UpsampleAnythingUpsampler single = new UpsampleAnythingUpsampler(WARM, MEAN, STD);
      for (int k = 0; k < frames; k++) {
        alone[s][k] = single.upsample(f, frame(s + k).withSource("cam-" + s, 100L * k), SIDE, SIDE).data();
      }
    }
    UpsampleAnythingUpsampler shared = new UpsampleAnythingUpsampler(WARM, MEAN, STD);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<float[][]>> results = new ArrayList<>();
      for (int s = 0; s < sources; s++) {
        int source = s;
        results.add(pool.submit(() -> {
          float[][] out = new float[frames][];
          for (int k = 0; k < frames; k++) {
            out[k] = shared.upsample(f, frame(source + k).withSource("cam-" + source, 100L * k), SIDE, SIDE).data();
          }
          return out;
        }));
      }
      for (int s = 0; s < sources; s++) {
        float[][] got = results.get(s).get();
        for (int k = 0; k < frames; k++) {
          assertArrayEquals(alone[s][k], got[k], "source " + s + " frame " + k);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keptKernelsAreBoundedLeastRecentlyUsedFirst() {
    WarmStartKernels kept = new WarmStartKernels(2, 1_000);
    AnisotropicKernel.Fit fit = new AnisotropicKernel.Fit(AnisotropicKernel.initial(GRID, GRID, 14), 1,
        new float[] {0.5f});
    kept.keep("a", 0, fit);
    kept.keep("b", 0, fit);
    assertNotNull(kept.start("a", 10, GRID, GRID, 14));
    kept.keep("c", 0, fit);
    assertEquals(2, kept.size());
    assertNull(kept.start("b", 10, GRID, GRID, 14), "b was the least recently used");
    assertSame(fit.kernel(), kept.start("a", 10, GRID, GRID, 14).kernel());
    assertEquals(0.5f, kept.start("c", 10, GRID, GRID, 14).loss());
  }

  @Test
  void staleOrOtherGridKernelsAreDroppedAndOlderFramesDoNotReplaceNewerOnes() {
    WarmStartKernels kept = new WarmStartKernels(4, 1_000);
    AnisotropicKernel.Fit newer = new AnisotropicKernel.Fit(AnisotropicKernel.initial(GRID, GRID, 14), 1,
        new float[] {0.25f});
    AnisotropicKernel.Fit older = new AnisotropicKernel.Fit(AnisotropicKernel.initial(GRID, GRID, 14), 1,
        new float[] {0.75f});
    kept.keep("a", 5_000, newer);
    kept.keep("a", 4_900, older);
    assertEquals(0.25f, kept.start("a", 5_100, GRID, GRID, 14).loss(), "the later capture's kernel stays");
    assertNotNull(kept.start("a", 4_000, GRID, GRID, 14), "1,000 ms before is still fresh");
    assertNull(kept.start("a", 6_001, GRID, GRID, 14), "1,001 ms after is stale");
    assertEquals(0, kept.size(), "and dropped");
    kept.keep("a", 5_000, newer);
    assertNull(kept.start("a", 5_000, 8, 8, 14), "another grid size");
    kept.keep("a", 5_000, newer);
    assertNull(kept.start("a", 5_000, GRID, GRID, 7), "another scale");
    assertEquals(0, kept.size());
  }

  @Test
  void warmStartSettingsAreValidatedAndNamedInTheLineage() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> UpsampleAnythingOptions.WarmStart.on(0, Duration.ofSeconds(1))).getMessage().contains("max sources"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> UpsampleAnythingOptions.WarmStart.on(1, Duration.ZERO)).getMessage().contains("max age"));
    assertEquals("upsample-anything steps=6 lr=0.1 final_lr=1.0E-9 schedule_steps=5100 radius=8", COLD.describe());
    assertEquals(COLD.describe() + " warm_start max_sources=8 max_age_ms=1000", WARM.describe());
  }
}
