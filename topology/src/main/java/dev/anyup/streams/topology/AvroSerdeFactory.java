package dev.anyup.streams.topology;

import dev.anyup.streams.serdes.SpecificAvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/** Configured schema-registry Avro value (de)serialisers from the serdes module. */
final class AvroSerdeFactory {
  private AvroSerdeFactory() {}

  static <T extends SpecificRecord> Serializer<T> serializer(Class<T> type, Map<String, Object> config) {
    return serde(type, config).serializer();
  }

  static <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type, Map<String, Object> config) {
    return serde(type, config).deserializer();
  }

  static <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type, Map<String, Object> config) {
    SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
    serde.configure(config, false);
    return serde;
  }
}
