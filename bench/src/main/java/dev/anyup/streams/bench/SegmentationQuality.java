package dev.anyup.streams.bench;

import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.UpsamplerKind;
import dev.anyup.streams.models.segmentation.Concept;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.segmentation.ProbeFitter;
import dev.anyup.streams.models.segmentation.SegmentationScores;
import dev.anyup.streams.models.segmentation.TextureMosaics;
import java.util.ArrayList;
import java.util.List;

/**
 * One upsampler's segmentation quality on generated texture mosaics (what {@link SegmentationQualityBenchmark}
 * prints a row of). Mosaics {@code [0, train)} are the training split, {@code [train, mosaics)} the held-out one.
 *
 * <ul>
 *   <li><b>Concepts</b> (training-free): one prototype per texture, {@link ConceptSet#prototype} over that texture's
 *       mask in the first training mosaic where it covers at least {@value #MIN_EXAMPLE_SHARE_PERCENT} % of the
 *       pixels; every pixel takes its nearest prototype (threshold -1). A texture with no such example gets no
 *       concept, so its pixels are always wrong.
 *   <li><b>Probe</b>: {@link ProbeFitter} (defaults: 50,000 sampled pixels, l2 1e-4 on standardised features) over
 *       all pixels of the training mosaics, one class per texture.
 * </ul>
 * Scores come from the held-out mosaics' summed confusion matrix ({@link SegmentationScores}); the boundary tolerance
 * is {@link SegmentationScores#defaultTolerance}. Time per image is the median wall time of {@value #TIMED_CALLS}
 * encoder + upsampler calls for one held-out mosaic each, after the scoring (the median because other processes'
 * bursts inflate a few calls on a shared 2-core machine); preprocessing is outside it.
 */
final class SegmentationQuality {

  static final int MIN_EXAMPLE_SHARE_PERCENT = 5;
  private static final int TIMED_CALLS = 20;

  /**
   * @param mosaics how many mosaics in all
   * @param train how many of them form the training split (the rest are held out)
   * @param size mosaic side = model input size (a profile of the bundle)
   * @param seed the mosaic series
   */
  record Setup(int mosaics, int train, int size, long seed, int minTextures, int maxTextures) {
    Setup {
      if (train <= 0 || train >= mosaics) {
        throw new IllegalArgumentException("train must be in [1, mosaics) = [1, " + mosaics + ") but was " + train);
      }
    }
  }

  /** One upsampler's scores on the held-out mosaics. */
  record Row(String upsampler, SegmentationScores concepts, SegmentationScores probe, int conceptCount,
      double msPerImage, double fitSeconds, int heldOut) {}

  private final Setup setup;
  private final java.nio.file.Path bundleDir;
  private final TextureMosaics generator = TextureMosaics.shipped();

  /** @param bundleDir a bundle folder, or {@code null} for the default (stand-in) bundle */
  SegmentationQuality(Setup setup, java.nio.file.Path bundleDir) {
    this.setup = setup;
    this.bundleDir = bundleDir;
  }

  List<String> classes() {
    return generator.names();
  }

  Row measure(UpsamplerKind kind) {
    InferenceOptions options = InferenceOptions.builder().upsampler(kind).predictors(1).build();
    try (ModelBundle bundle = bundleDir == null ? ModelBundle.loadDefault(options)
        : ModelBundle.load(bundleDir, options)) {
      return measure(bundle, kind.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  Row measure(ModelBundle bundle, String upsamplerName) {
    int s = setup.size();
    int k = generator.names().size();
    int tolerance = SegmentationScores.defaultTolerance(s, s);
    FeatureExtractor extractor = bundle.extractor(s);
    Preprocessor pre = bundle.preprocessor(s, ResizeMode.SHORTER_SIDE_CENTER_CROP);

    List<FeatureMap> trainFeatures = new ArrayList<>();
    List<int[]> trainLabels = new ArrayList<>();
    for (int i = 0; i < setup.train(); i++) {
      TextureMosaics.Mosaic m = mosaic(i);
      trainFeatures.add(extractor.run(List.of(pre.apply(m.image()))).get(0).upsampled());
      trainLabels.add(m.labels());
    }

    List<Concept> concepts = new ArrayList<>();
    List<Integer> conceptTexture = new ArrayList<>();
    int minPixels = s * s * MIN_EXAMPLE_SHARE_PERCENT / 100;
    for (int t = 0; t < k; t++) {
      for (int i = 0; i < setup.train(); i++) {
        int[] labels = trainLabels.get(i);
        if (mosaicCovers(labels, t, minPixels)) {
          boolean[] mask = new boolean[labels.length];
          for (int p = 0; p < labels.length; p++) {
            mask[p] = labels[p] == t;
          }
          float[] proto = ConceptSet.prototype(trainFeatures.get(i), mask);
          concepts.add(new Concept(generator.names().get(t), List.of(proto), -1));
          conceptTexture.add(t);
          break;
        }
      }
    }
    ConceptSet conceptSet = new ConceptSet(concepts);

    long fitStart = System.nanoTime();
    LinearProbe probe = ProbeFitter.builder().build()
        .fit(trainFeatures, trainLabels, generator.names(), "mosaic-probe", "1").probe();
    double fitSeconds = (System.nanoTime() - fitStart) / 1e9;
    trainFeatures.clear();

    // concept labels: texture index, or k for "unknown"; probe labels: texture index
    SegmentationScores conceptScores = SegmentationScores.empty(k + 1);
    SegmentationScores probeScores = SegmentationScores.empty(k);
    for (int i = setup.train(); i < setup.mosaics(); i++) {
      TextureMosaics.Mosaic m = mosaic(i);
      FeatureMap f = extractor.run(List.of(pre.apply(m.image()))).get(0).upsampled();
      int[] byConcept = conceptSet.label(f, false).labels();
      for (int p = 0; p < byConcept.length; p++) {
        byConcept[p] = byConcept[p] == 0 ? k : conceptTexture.get(byConcept[p] - 1);
      }
      conceptScores = conceptScores.plus(SegmentationScores.of(m.labels(), byConcept, s, s, k + 1, tolerance));
      int[] byProbe = probe.label(f, false).labels();
      probeScores = probeScores.plus(SegmentationScores.of(m.labels(), byProbe, s, s, k, tolerance));
    }
    // timed last, when the JIT and ONNX Runtime have seen every shape: timings taken during the scoring passes
    // depended on which upsampler ran first
    List<Long> featureNanos = new ArrayList<>();
    for (int i = 0; i < TIMED_CALLS; i++) {
      var input = List.of(pre.apply(mosaic(setup.train() + i % (setup.mosaics() - setup.train())).image()));
      long t0 = System.nanoTime();
      extractor.run(input);
      featureNanos.add(System.nanoTime() - t0);
    }
    return new Row(upsamplerName, conceptScores, probeScores, concepts.size(),
        median(featureNanos) / 1e6, fitSeconds, setup.mosaics() - setup.train());
  }

  private static double median(List<Long> values) {
    long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
  }

  private TextureMosaics.Mosaic mosaic(int index) {
    return generator.mosaic(setup.seed(), index, setup.size(), setup.minTextures(), setup.maxTextures());
  }

  private static boolean mosaicCovers(int[] labels, int t, int minPixels) {
    int n = 0;
    for (int l : labels) {
      if (l == t && ++n >= minPixels) {
        return true;
      }
    }
    return false;
  }
}
