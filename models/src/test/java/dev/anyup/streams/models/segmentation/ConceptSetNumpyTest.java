package dev.anyup.streams.models.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ConceptSet} against a NumPy (float64) reference on the default bundle's reference features (fixtures by
 * {@code models/export/tools/concept_fixtures.py}): the prototypes of four example regions, and the label of every pixel
 * except those NumPy marks as near ties (best two similarities, or the best and its threshold, within 1e-5).
 */
class ConceptSetNumpyTest {
  private static final String FIXTURE = "/dev/anyup/streams/models/concept-fixture/";
  private static final String REF = "/dev/anyup/streams/models/default-bundle/ref/ref_224_upsampled.npy";
  /** As concept_fixtures.py: concept i uses these prototypes (region indices) and this threshold. */
  private static final int[][] PROTOTYPES_OF = {{0}, {1, 2}, {3}};
  private static final double[] THRESHOLDS = {0.8, 0.75, 0.9};
  private static final int NEAR_TIE = 255;

  private static byte[] resource(String path) throws IOException {
    try (InputStream in = ConceptSetNumpyTest.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing test resource " + path);
      }
      return in.readAllBytes();
    }
  }

  @Test
  void prototypesAndLabelsEqualNumpysOnTheDefaultBundlesReferenceFeatures() throws IOException {
    Npy ref = Npy.parse(resource(REF));
    int[] shape = ref.shape();
    FeatureMap features = new FeatureMap(shape[1], shape[2], shape[3], ref.data());
    int[] regions = LabelPng.readLabels(resource(FIXTURE + "regions.png"));
    float[] numpyPrototypes = Npy.parse(resource(FIXTURE + "prototypes.npy")).data();
    int c = features.channels();

    List<float[]> prototypes = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      boolean[] mask = new boolean[regions.length];
      for (int p = 0; p < regions.length; p++) {
        mask[p] = regions[p] == r + 1;
      }
      float[] proto = ConceptSet.prototype(features, mask);
      float[] expected = new float[c];
      System.arraycopy(numpyPrototypes, r * c, expected, 0, c);
      assertArrayEquals(expected, proto, 1e-6f, "prototype of region " + r);
      prototypes.add(proto);
    }
    List<Concept> concepts = new ArrayList<>();
    for (int k = 0; k < PROTOTYPES_OF.length; k++) {
      List<float[]> own = new ArrayList<>();
      for (int r : PROTOTYPES_OF[k]) {
        own.add(prototypes.get(r));
      }
      concepts.add(new Concept("concept-" + (k + 1), own, THRESHOLDS[k]));
    }
    LabelMap labels = new ConceptSet(concepts).label(features, true);

    int[] numpy = LabelPng.readLabels(resource(FIXTURE + "labels.png"));
    int compared = 0;
    long[] perClass = new long[4];
    for (int p = 0; p < numpy.length; p++) {
      if (numpy[p] == NEAR_TIE) {
        continue;
      }
      compared++;
      perClass[numpy[p]]++;
      assertEquals(numpy[p], labels.labels()[p], "pixel " + p);
    }
    assertTrue(compared > numpy.length * 99L / 100, "near ties are rare: compared " + compared);
    for (int k = 0; k < perClass.length; k++) {
      assertTrue(perClass[k] > 0, "the fixture exercises label " + k + " (counts " + java.util.Arrays.toString(
          perClass) + ")");
    }
    for (float conf : labels.confidence()) {
      assertTrue(conf >= 0 && conf <= 1, "confidence in [0, 1]: " + conf);
    }
  }
}
