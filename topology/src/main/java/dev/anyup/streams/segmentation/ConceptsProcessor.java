package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.Concept;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global processor of the concepts topic: validates each record ({@link ConceptRecords}) and applies the valid
 * ones to the store and to {@link LiveConcepts}; a refused one is one WARN line naming the concept and the reason, a
 * count in {@code anyup.concepts.rejected}, and no change. Reads raw bytes and deserialises itself, so a malformed
 * value is refused here instead of failing the global thread.
 *
 * <p>Kafka Streams 4.3's {@code Topology.addGlobalStore} restores a global store by running the topic's records
 * through a fresh instance of this processor (reprocess-on-restore), with each record's offset, so the concept set is
 * rebuilt at startup by the same validation; the store is in memory and so is always restored from the start.
 */
final class ConceptsProcessor implements Processor<byte[], byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(ConceptsProcessor.class);

  private final String topic;
  private final String storeName;
  private final Deserializer<Concept> deserializer;
  private final ConceptRecords records;
  private final LiveConcepts live;
  private final ConceptMetrics metrics;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, byte[]> store;

  ConceptsProcessor(String topic, String storeName, Deserializer<Concept> deserializer, ConceptRecords records,
      LiveConcepts live, ConceptMetrics metrics) {
    this.topic = topic;
    this.storeName = storeName;
    this.deserializer = deserializer;
    this.records = records;
    this.live = live;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    ConceptRecords.Verdict verdict;
    if (record.value() == null) {
      verdict = records.check(key, null);
    } else {
      Concept value = null;
      String problem = "the value is empty";
      try {
        value = deserializer.deserialize(topic, record.headers() == null ? new RecordHeaders() : record.headers(),
            record.value());
      } catch (RuntimeException e) {
        problem = "the value is not a Concept record: " + abbreviate(String.valueOf(e.getMessage()));
      }
      verdict = value != null ? records.check(key, value)
          : new ConceptRecords.Refuse(key == null ? "?" : key, ConceptRejection.MALFORMED, problem);
    }
    if (verdict instanceof ConceptRecords.Define d) {
      store.put(key, record.value());
      LiveConcepts.Snapshot s = live.define(d.concept(), offset, record.timestamp());
      metrics.defined();
      LOG.info("concept '{}' defined at offset {} of {}: {} prototype(s), threshold {}; concept-set version {} "
          + "({} concepts)", key, offset, topic, d.concept().prototypes().size(), d.concept().threshold(),
          s.version(), s.set().concepts().size());
    } else if (verdict instanceof ConceptRecords.Remove r) {
      store.delete(key);
      LiveConcepts.Snapshot s = live.remove(r.name(), offset, record.timestamp());
      metrics.removed();
      LOG.info("concept '{}' removed at offset {} of {}; concept-set version {} ({} concepts)", key, offset, topic,
          s.version(), s.set().concepts().size());
    } else {
      refuse((ConceptRecords.Refuse) verdict, offset);
    }
  }

  /** Exception messages of schema mismatches print both schemas in full: one log line keeps the start. */
  private static String abbreviate(String message) {
    return message.length() <= 300 ? message : message.substring(0, 300) + "... (" + message.length() + " chars)";
  }

  private void refuse(ConceptRecords.Refuse f, long offset) {
    metrics.rejected(f.reason());
    LOG.warn("concept '{}' at offset {} of {} refused ({}): {}; its previous definition, if any, stays", f.name(),
        offset, topic, f.reason(), f.detail());
  }
}
