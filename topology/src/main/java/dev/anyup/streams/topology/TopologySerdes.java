package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value (de)serialisers the topology uses inside its processor (keys and the wire stay raw bytes).
 *
 * @param imageEvents reads input values
 * @param dense writes {@code topics.dense} values
 * @param embeddings writes {@code topics.embeddings} values
 */
public record TopologySerdes(Deserializer<ImageEvent> imageEvents, Serializer<DenseFeatures> dense,
    Serializer<ImageEmbedding> embeddings) {

  /** Schema-registry Avro serdes configured from {@code serdeConfig} (see {@link AppConfig#serdeConfig()}). */
  public static TopologySerdes avro(Map<String, Object> serdeConfig) {
    return new TopologySerdes(
        AvroSerdeFactory.deserializer(ImageEvent.class, serdeConfig),
        AvroSerdeFactory.serializer(DenseFeatures.class, serdeConfig),
        AvroSerdeFactory.serializer(ImageEmbedding.class, serdeConfig));
  }
}
