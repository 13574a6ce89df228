package dev.anyup.streams.serdes;

import dev.anyup.streams.avro.DType;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.ModelRef;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test data builders for the three contract records. */
final class TestRecords {
  static final Instant CAPTURED = Instant.ofEpochMilli(1_764_300_000_123L);
  static final Instant PROCESSED = Instant.ofEpochMilli(1_764_300_000_456L);

  private TestRecords() {}

  static String uniqueScope() {
    return "test-" + UUID.randomUUID();
  }

  static Map<String, Object> mockConfig(String scope) {
    return Map.of(SchemaRegistryConfig.URL, "mock://" + scope);
  }

  static ImageEvent imageEvent(String id) {
    return ImageEvent.newBuilder()
        .setImageId(id)
        .setSourceId("cam-1")
        .setCaptureTimestamp(CAPTURED)
        .setContentType("image/png")
        .setImage(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))
        .setAttributes(Map.of("site", "lab"))
        .build();
  }

  static ModelLineage lineage() {
    return ModelLineage.newBuilder()
        .setEncoderModel(new ModelRef("filterbank-p14", "1.0.0", "ab".repeat(32)))
        .setUpsamplerModel(new ModelRef("anyup-standin", "1.0.0", "cd".repeat(32)))
        .setBundleName("anyup-default")
        .setBundleVersion("0.1.0")
        .build();
  }

  static DenseFeatures denseFeatures(String id, int channels, int size) {
    byte[] tensor = new byte[channels * size * size * 2];
    for (int i = 0; i < tensor.length; i++) {
      tensor[i] = (byte) (i * 31);
    }
    return DenseFeatures.newBuilder()
        .setImageId(id)
        .setSourceId("cam-1")
        .setCaptureTimestamp(CAPTURED)
        .setProcessedTimestamp(PROCESSED)
        .setLineage(lineage())
        .setPreprocessing(Preprocessing.newBuilder()
            .setSourceWidth(640).setSourceHeight(480).setInputWidth(224).setInputHeight(224)
            .setResizeMode("SHORTER_SIDE_CENTER_CROP").setScaleX(224.0 / 480).setScaleY(224.0 / 480)
            .setCropX(80).setCropY(0).setCropWidth(480).setCropHeight(480)
            .setPadX(0).setPadY(0).setPadWidth(224).setPadHeight(224)
            .build())
        .setHeader(TensorHeader.newBuilder()
            .setShape(List.of(channels, size, size))
            .setDtype(DType.FLOAT16)
            .build())
        .setTensor(ByteBuffer.wrap(tensor))
        .build();
  }

  static ImageEmbedding embedding(String id) {
    return ImageEmbedding.newBuilder()
        .setImageId(id)
        .setSourceId("cam-1")
        .setCaptureTimestamp(CAPTURED)
        .setProcessedTimestamp(PROCESSED)
        .setLineage(lineage())
        .setDimension(2)
        .setVector(List.of(0.6f, 0.8f))
        .setVectorKind("cls")
        .setRegionGrid(1)
        .setRegions(List.of(List.of(1.0f, 0.0f)))
        .build();
  }
}
