package dev.anyup.streams.console;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.topology.OutputTap;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builders for the console tests: an image event and a FLOAT32 dense record of random features, seen whole. */
final class ConsoleTestData {
  static final int C = 4;
  static final int H = 6;
  static final int W = 8;

  private ConsoleTestData() {}

  static ImageEvent event(String imageId, String sourceId) {
    return ImageEvent.newBuilder().setImageId(imageId).setSourceId(sourceId).setCaptureTimestamp(Instant.EPOCH)
        .setContentType("image/png").setImage(ByteBuffer.wrap(new byte[] {1, 2, 3})).setAttributes(Map.of())
        .build();
  }

  static DenseFeatures dense(String imageId, String sourceId, long seed) {
    Random rnd = new Random(seed);
    float[] data = new float[C * H * W];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) rnd.nextGaussian();
    }
    EncodedTensor t = OutputEncoder.create().encode(new FeatureMap(C, H, W, data), DType.FLOAT32, null);
    List<Integer> shape = new ArrayList<>();
    for (int s : t.shape()) {
      shape.add(s);
    }
    Preprocessing pre = Preprocessing.newBuilder().setSourceWidth(W).setSourceHeight(H).setInputWidth(W)
        .setInputHeight(H).setResizeMode("SQUASH").setScaleX(1).setScaleY(1).setCropX(0).setCropY(0).setCropWidth(W)
        .setCropHeight(H).setPadX(0).setPadY(0).setPadWidth(W).setPadHeight(H).build();
    ModelRef ref = ModelRef.newBuilder().setName("m").setVersion("1").setSha256("00").build();
    TensorHeader header = TensorHeader.newBuilder().setShape(shape).setLayout("CHW")
        .setDtype(dev.anyup.streams.avro.DType.FLOAT32).setScales(List.of()).setProjectionId(t.projectionId())
        .build();
    return DenseFeatures.newBuilder().setImageId(imageId).setSourceId(sourceId).setCaptureTimestamp(Instant.EPOCH)
        .setProcessedTimestamp(Instant.EPOCH).setLineage(ModelLineage.newBuilder().setEncoderModel(ref)
            .setUpsamplerModel(ref).setBundleName("b").setBundleVersion("1").build())
        .setPreprocessing(pre).setHeader(header).setTensor(ByteBuffer.wrap(t.bytes())).build();
  }

  /**
   * A 28x28 label map of a 100x50 source seen through a shorter-side resize to 28 and a centre crop (source x 25..75):
   * label 1 ("sky") on the top 7 rows, else 0.
   */
  static SegmentationMap labelMap(String imageId, String sourceId) {
    int[] labels = new int[28 * 28];
    for (int i = 0; i < 7 * 28; i++) {
      labels[i] = 1;
    }
    LabelMap map = new LabelMap(28, 28, labels, null, List.of("unknown", "sky"));
    Preprocessing pre = Preprocessing.newBuilder().setSourceWidth(100).setSourceHeight(50).setInputWidth(28)
        .setInputHeight(28).setResizeMode("SHORTER_SIDE_CENTER_CROP").setScaleX(0.56).setScaleY(0.56).setCropX(25)
        .setCropY(0).setCropWidth(50).setCropHeight(50).setPadX(0).setPadY(0).setPadWidth(28).setPadHeight(28)
        .build();
    ModelRef ref = ModelRef.newBuilder().setName("m").setVersion("1").setSha256("00").build();
    return SegmentationMap.newBuilder().setImageId(imageId).setSourceId(sourceId).setCaptureTimestamp(Instant.EPOCH)
        .setProcessedTimestamp(Instant.EPOCH).setLineage(ModelLineage.newBuilder().setEncoderModel(ref)
            .setUpsamplerModel(ref).setBundleName("b").setBundleVersion("1").build())
        .setPreprocessing(pre).setHeadKind("concepts").setHeadName("segmentation.concepts").setHeadVersion("3")
        .setClassNames(map.classNames()).setWidth(28).setHeight(28)
        .setLabelPng(ByteBuffer.wrap(LabelPng.labels(map))).setPixelCounts(List.of(588L, 196L)).build();
  }

  static OutputTap.DeadLetter deadLetter(String imageId, byte[] value) {
    return new OutputTap.DeadLetter("deserialize", "invalid_image", "not an image", imageId,
        "cam-dl".getBytes(java.nio.charset.StandardCharsets.UTF_8), value, 42L);
  }
}
