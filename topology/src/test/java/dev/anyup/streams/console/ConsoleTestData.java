package dev.anyup.streams.console;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
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

  static OutputTap.DeadLetter deadLetter(String imageId, byte[] value) {
    return new OutputTap.DeadLetter("deserialize", "invalid_image", "not an image", imageId, null, value, 42L);
  }
}
