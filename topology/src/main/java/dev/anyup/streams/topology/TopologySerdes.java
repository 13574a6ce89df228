package dev.anyup.streams.topology;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.DType;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.serdes.SchemaRegistryConfig;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value (de)serialisers the topology uses inside its processor (keys and the wire stay raw bytes).
 *
 * @param imageEvents reads input values
 * @param dense writes {@code topics.dense} values
 * @param embeddings writes {@code topics.embeddings} values
 * @param segments writes {@code segmentation.topic} values (label maps)
 * @param concepts reads {@code segmentation.concepts.topic} values (the concepts head's global store)
 */
public record TopologySerdes(Deserializer<ImageEvent> imageEvents, Serializer<DenseFeatures> dense,
    Serializer<ImageEmbedding> embeddings, Serializer<SegmentationMap> segments, Deserializer<Concept> concepts) {

  /** Serdes for a topology without segmentation: label maps and concepts cannot be (de)serialised. */
  public TopologySerdes(Deserializer<ImageEvent> imageEvents, Serializer<DenseFeatures> dense,
      Serializer<ImageEmbedding> embeddings) {
    this(imageEvents, dense, embeddings, null, null);
  }

  /**
   * As {@link #registerSchemas(AppConfig.Topics, ModelLineage)}, and the {@code SegmentationMap} schema under
   * {@code segmentation.topic} when a segmentation head is on.
   */
  public void registerSchemas(AppConfig cfg, ModelLineage lineage) {
    registerSchemas(cfg.topics(), lineage);
    if (cfg.segmentation().enabled()) {
      segments.serialize(cfg.segmentation().topic(), SegmentationMap.newBuilder().setImageId("schema-registration")
          .setSourceId("schema-registration").setCaptureTimestamp(Instant.EPOCH)
          .setProcessedTimestamp(Instant.EPOCH).setLineage(lineage).setPreprocessing(placeholderPreprocessing())
          .setHeadKind(cfg.segmentation().head()).setHeadName("schema-registration").setHeadVersion("0")
          .setClassNames(List.of("unknown")).setWidth(1).setHeight(1).setLabelPng(ByteBuffer.allocate(1))
          .setConfidencePng(null).setPixelCounts(List.of(1L)).build());
    }
  }

  private static Preprocessing placeholderPreprocessing() {
    return Preprocessing.newBuilder().setSourceWidth(1).setSourceHeight(1).setInputWidth(1)
        .setInputHeight(1).setResizeMode("SQUASH").setScaleX(1).setScaleY(1).setCropX(0).setCropY(0)
        .setCropWidth(1).setCropHeight(1).setPadX(0).setPadY(0).setPadWidth(1).setPadHeight(1).build();
  }

  /**
   * Serialises one placeholder record per output topic, so the value schemas are registered (or looked up) at
   * startup through the same serializers, subject strategy and settings the stream threads use: an unreachable
   * registry, refused credentials or an incompatible schema stop the start instead of dead-lettering every image.
   * (Concurrent first registrations that a registry answers with 409 are resolved in the serdes client itself.)
   */
  public void registerSchemas(AppConfig.Topics topics, ModelLineage lineage) {
    Preprocessing pre = placeholderPreprocessing();
    TensorHeader header = TensorHeader.newBuilder().setShape(List.of(1, 1, 1)).setLayout("CHW")
        .setDtype(DType.FLOAT32).setScales(List.of()).setProjectionId(null).build();
    Instant epoch = Instant.EPOCH;
    dense.serialize(topics.dense(), DenseFeatures.newBuilder().setImageId("schema-registration")
        .setSourceId("schema-registration").setCaptureTimestamp(epoch).setProcessedTimestamp(epoch)
        .setLineage(lineage).setPreprocessing(pre).setHeader(header).setTensor(ByteBuffer.allocate(4)).build());
    embeddings.serialize(topics.embeddings(), ImageEmbedding.newBuilder().setImageId("schema-registration")
        .setSourceId("schema-registration").setCaptureTimestamp(epoch).setProcessedTimestamp(epoch)
        .setLineage(lineage).setDimension(1).setVector(List.of(1f)).setVectorKind("cls").setRegionGrid(0)
        .setRegions(List.of()).build());
  }

  /**
   * Schema-registry Avro serdes configured from {@link AppConfig#serdeConfig()}. The input deserialiser refuses any
   * Avro bytes/string value or collection that declares more than {@code limits.image.max.bytes}
   * ({@code avro.max.length}), before allocating it: the image is the largest field of an {@code ImageEvent}, and a
   * 97-byte record that declares a 2 GB image must be a dead letter, not a 2 GB allocation.
   */
  public static TopologySerdes avro(AppConfig cfg) {
    Map<String, Object> serdeConfig = cfg.serdeConfig();
    Map<String, Object> inputConfig = new HashMap<>(serdeConfig);
    inputConfig.put(SchemaRegistryConfig.AVRO_MAX_LENGTH, Integer.toString(cfg.limits().maxImageBytes()));
    return new TopologySerdes(
        AvroSerdeFactory.deserializer(ImageEvent.class, inputConfig),
        AvroSerdeFactory.serializer(DenseFeatures.class, serdeConfig),
        AvroSerdeFactory.serializer(ImageEmbedding.class, serdeConfig),
        AvroSerdeFactory.serializer(SegmentationMap.class, serdeConfig),
        AvroSerdeFactory.deserializer(Concept.class, serdeConfig));
  }
}
