package dev.anyup.streams.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.topology.DenseTensors;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.segmentation.PixelSimilarity.Segmentation;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The console's wiring of the library's {@code PixelSimilarity} to a record: heat maps checked against a brute-force
 * cosine on the float features, for every dtype and a PCA projection, with the click mapped through the record's
 * preprocessing block.
 */
class ClickSegmenterTest {
  private static final int C = 6;
  private static final int H = 10;
  private static final int W = 12;

  /** Left half of the grid near feature A, right half near B (orthogonal), with noise. */
  private static FeatureMap twoRegions(long seed) {
    Random rnd = new Random(seed);
    float[] a = {1, 0.5f, 0, 0, 0.2f, 0};
    float[] b = {0, 0, 1, 0.7f, 0, 0.3f};
    float[] data = new float[C * H * W];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        float[] base = x < W / 2 ? a : b;
        for (int c = 0; c < C; c++) {
          data[c * H * W + y * W + x] = base[c] + 0.05f * (float) rnd.nextGaussian();
        }
      }
    }
    return new FeatureMap(C, H, W, data);
  }

  /** Identity preprocessing: a W×H source seen whole at W×H. */
  private static Preprocessing identity() {
    return Preprocessing.newBuilder().setSourceWidth(W).setSourceHeight(H).setInputWidth(W).setInputHeight(H)
        .setResizeMode("SQUASH").setScaleX(1).setScaleY(1).setCropX(0).setCropY(0).setCropWidth(W).setCropHeight(H)
        .setPadX(0).setPadY(0).setPadWidth(W).setPadHeight(H).build();
  }

  private static DenseFeatures record(EncodedTensor t, Preprocessing pre) {
    ModelRef ref = ModelRef.newBuilder().setName("m").setVersion("1").setSha256("00").build();
    List<Integer> shape = new ArrayList<>();
    for (int s : t.shape()) {
      shape.add(s);
    }
    List<Float> scales = new ArrayList<>();
    if (t.scales() != null) {
      for (float s : t.scales()) {
        scales.add(s);
      }
    }
    TensorHeader header = TensorHeader.newBuilder().setShape(shape).setLayout("CHW")
        .setDtype(dev.anyup.streams.avro.DType.valueOf(t.dtype().name())).setScales(scales)
        .setProjectionId(t.projectionId()).build();
    return DenseFeatures.newBuilder().setImageId("img").setSourceId("cam").setCaptureTimestamp(Instant.EPOCH)
        .setProcessedTimestamp(Instant.EPOCH).setLineage(ModelLineage.newBuilder().setEncoderModel(ref)
            .setUpsamplerModel(ref).setBundleName("b").setBundleVersion("1").build())
        .setPreprocessing(pre).setHeader(header).setTensor(ByteBuffer.wrap(t.bytes())).build();
  }

  /** Brute force in double on the float map the record was encoded from. */
  private static float[] cosineTo(FeatureMap f, int px, int py) {
    int hw = f.height() * f.width();
    int q = py * f.width() + px;
    float[] out = new float[hw];
    for (int p = 0; p < hw; p++) {
      double dot = 0;
      double n1 = 0;
      double n2 = 0;
      for (int c = 0; c < f.channels(); c++) {
        double a = f.data()[c * hw + q];
        double b = f.data()[c * hw + p];
        dot += a * b;
        n1 += a * a;
        n2 += b * b;
      }
      out[p] = (float) (dot / Math.sqrt(n1 * n2));
    }
    return out;
  }

  @Test
  void float32HeatMapIsTheCosineOfEveryPixelToTheClickedOne() {
    FeatureMap f = twoRegions(1);
    DenseFeatures d = record(OutputEncoder.create().encode(f, DType.FLOAT32, null), identity());
    Segmentation s = ClickSegmenter.segment(d, 2.5, 3.5, 0.5);
    assertEquals(2, s.featureX());
    assertEquals(3, s.featureY());
    assertArrayEquals(cosineTo(f, 2, 3), s.similarity(), 1e-6f);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        assertEquals(x < W / 2, s.mask()[y * W + x], "mask at " + x + "," + y + " is the clicked region");
      }
    }
  }

  @Test
  void float16AndInt8RecordsGiveTheSameHeatMapWithinTheirPrecision() {
    FeatureMap f = twoRegions(2);
    float[] expected = cosineTo(f, 9, 5);
    Segmentation half = ClickSegmenter.segment(
        record(OutputEncoder.create().encode(f, DType.FLOAT16, null), identity()), 9, 5, 0.5);
    assertArrayEquals(expected, half.similarity(), 2e-3f);
    Segmentation int8 = ClickSegmenter.segment(
        record(OutputEncoder.create().encode(f, DType.INT8, null), identity()), 9, 5, 0.5);
    assertArrayEquals(expected, int8.similarity(), 3e-2f);
    assertTrue(int8.mask()[5 * W + 11] && !int8.mask()[5 * W + 0], "INT8 still separates the regions");
  }

  @Test
  void pcaProjectedRecordIsSegmentedInTheProjectedSpace() {
    FeatureMap f = twoRegions(3);
    float[] basis = new float[C * 3];
    for (int i = 0; i < 3; i++) {
      basis[i * C + i * 2] = 1f; // channels 0, 2, 4 (layout of the bundle's basis does not matter for the check)
    }
    Projection pca3 = new Projection("pca3", C, 3, basis, null);
    EncodedTensor t = OutputEncoder.create().encode(f, DType.FLOAT32, pca3);
    DenseFeatures d = record(t, identity());
    FeatureMap projected = DenseTensors.decode(d);
    assertEquals(3, projected.channels());
    assertArrayEquals(cosineTo(projected, 1, 1), ClickSegmenter.segment(d, 1, 1, 0.5).similarity(), 1e-6f);
  }

  @Test
  void clickInSourcePixelsIsMappedThroughTheRecordsCropAndScale() {
    // a 24x10 source, centre-cropped to 10x10 (x 7..17), seen at 12x10 (features 1:1 with the input)
    Preprocessing p = Preprocessing.newBuilder().setSourceWidth(24).setSourceHeight(10).setInputWidth(W)
        .setInputHeight(H).setResizeMode("SHORTER_SIDE_CENTER_CROP").setScaleX(1.2).setScaleY(1).setCropX(7)
        .setCropY(0).setCropWidth(10).setCropHeight(10).setPadX(0).setPadY(0).setPadWidth(W).setPadHeight(H).build();
    FeatureMap f = twoRegions(6);
    DenseFeatures d = record(OutputEncoder.create().encode(f, DType.FLOAT32, null), p);
    Segmentation s = ClickSegmenter.segment(d, 7 + 9.5 / 1.2, 4.5, 0.5);
    assertEquals(9, s.featureX());
    assertEquals(4, s.featureY());
    assertArrayEquals(cosineTo(f, 9, 4), s.similarity(), 1e-6f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClickSegmenter.segment(d, 3, 5, 0.5));
    assertTrue(e.getMessage().startsWith("image img: point (3.0, 5.0) was cropped away before the model"),
        e.getMessage());
  }

  @Test
  void clickOutsideTheImage() {
    DenseFeatures d = record(OutputEncoder.create().encode(twoRegions(4), DType.FLOAT32, null), identity());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClickSegmenter.segment(d, W, 0, 0.5));
    assertEquals("image img: point (12.0, 0.0) is outside the source image (12x10)", e.getMessage());
  }

  @Test
  void threshold_outOfRange() {
    DenseFeatures d = record(OutputEncoder.create().encode(twoRegions(5), DType.FLOAT32, null), identity());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClickSegmenter.segment(d, 0, 0, 1.5));
    assertEquals("image img: threshold must be in [-1, 1] but was 1.5", e.getMessage());
    assertFalse(ClickSegmenter.segment(d, 0, 0, 1.0).mask()[W - 1], "a far pixel is below a threshold of 1");
  }
}
