package dev.anyup.streams.app;

import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code produce DIR}: publishes every image file in DIR as an {@link ImageEvent} (key = source id); every other entry
 * is reported on stderr with the reason it is skipped.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, description = "Publish image files as ImageEvents.")
final class ProduceCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "folder of images (jpg, png, bmp, gif, webp)")
  Path dir;

  @Mixin
  ClusterOptions cluster;

  @Option(names = "--topic", defaultValue = "images", description = "input topic")
  String topic;

  @Option(names = "--source-id", defaultValue = "cli", description = "source id (also the record key)")
  String sourceId;

  @Override
  public Integer call() {
    ImageFiles.Listing listing = ImageFiles.scan(dir);
    listing.reportSkipped(System.err);
    AppConfig cfg = cluster.config();
    int n = publish(cfg, topic, sourceId, listing.images());
    System.out.println("published " + n + " images from " + dir + " to " + topic
        + (listing.skipped().isEmpty() ? "" : " (" + listing.skipped().size() + " entries skipped, listed above)"));
    return 0;
  }

  /** Publishes {@code files}; image id = file name. Returns how many were sent. */
  static int publish(AppConfig cfg, String topic, String sourceId, List<Path> files) {
    Properties p = cfg.producerProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(ImageEvent.class);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      serde.configure(Map.copyOf(cfg.serdeConfig()), false);
      byte[] key = sourceId.getBytes(StandardCharsets.UTF_8);
      for (Path f : files) {
        ImageEvent e = ImageFiles.read(f, f.getFileName().toString(), sourceId, Instant.now());
        producer.send(new ProducerRecord<>(topic, key, serde.serializer().serialize(topic, e)));
      }
      producer.flush();
    }
    return files.size();
  }
}
