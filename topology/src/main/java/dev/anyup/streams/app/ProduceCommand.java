package dev.anyup.streams.app;

import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
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

  @Option(names = "--id-prefix", defaultValue = "", description = "image id = this prefix + file name "
      + "(image ids are unique within a source; a prefix keeps them apart across runs)")
  String idPrefix;

  @Option(names = "--generated-ids", description = "image id = a random UUID + the file's extension, "
      + "so re-publishing the same folder gives new images instead of replacing earlier ones")
  boolean generatedIds;

  @Option(names = "--fps", defaultValue = "0", description = "publish as a live feed at this many frames per second "
      + "(0: as fast as the broker takes them); each frame's capture time is when it is sent")
  double fps;

  @Option(names = "--loop", description = "publish the folder again and again (pass N's ids get -N before the "
      + "extension); needs --fps and/or --duration")
  boolean loop;

  @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "stop after this many "
      + "seconds (0: no limit)")
  double durationSeconds;

  @Override
  public Integer call() {
    FeedPlan plan = new FeedPlan(fps, loop, Math.round(durationSeconds * 1000));
    ImageFiles.Listing listing = ImageFiles.scan(dir);
    listing.reportSkipped(System.err);
    AppConfig cfg = cluster.config();
    Result r = publish(cfg, topic, sourceId, listing.images(), ids(idPrefix, generatedIds), plan);
    String skipped = listing.skipped().isEmpty() ? ""
        : " (" + listing.skipped().size() + " entries skipped, listed above)";
    if (r.failed() > 0) {
      System.err.println("error: the broker acknowledged " + r.acknowledged() + " of " + r.attempted()
          + " images from " + dir + " to " + topic + ", " + r.failed() + " failed; first error: " + r.firstError()
          + skipped);
      return 1;
    }
    System.out.println("published " + r.acknowledged() + " images from " + dir + " to " + topic
        + " (each acknowledged by the broker)" + skipped);
    return 0;
  }

  /**
   * What a publish achieved: images handed to the producer, acknowledged by the broker (acks=all), failed (refused,
   * timed out, or never sent after an earlier synchronous failure), and the first failure's root cause.
   */
  record Result(int attempted, int acknowledged, int failed, String firstError) {}

  /**
   * Publishes {@code files} (image id = file name) and waits for every acknowledgement: a send that the broker refuses
   * (authorisation, authentication, a record too large, a timeout) is counted, never reported as published. A send that
   * fails before it is queued (no metadata within {@code max.block.ms}, a serialiser failure) stops the run; the files
   * after it count as failed.
   */
  static Result publish(AppConfig cfg, String topic, String sourceId, List<Path> files) {
    return publish(cfg, topic, sourceId, files, ids("", false), FeedPlan.ONCE);
  }

  /**
   * How an image file's id is chosen: {@code prefix} + file name, or with {@code generated} a random UUID + the file's
   * extension (the prefix still in front).
   */
  static Function<Path, String> ids(String prefix, boolean generated) {
    return f -> {
      String name = f.getFileName().toString();
      if (!generated) {
        return prefix + name;
      }
      int dot = name.lastIndexOf('.');
      return prefix + UUID.randomUUID() + (dot > 0 ? name.substring(dot) : "");
    };
  }

  /**
   * As {@link #publish(AppConfig, String, String, List)}, with the image id of each file given by {@code ids}, paced,
   * looped and limited as {@code plan} says.
   */
  static Result publish(AppConfig cfg, String topic, String sourceId, List<Path> files, Function<Path, String> ids,
      FeedPlan plan) {
    Properties p = cfg.producerProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    try (SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(ImageEvent.class);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      serde.configure(Map.copyOf(cfg.serdeConfig()), false);
      byte[] key = sourceId.getBytes(StandardCharsets.UTF_8);
      int queued = 0;
      long start = System.nanoTime();
      for (Iterator<FeedPlan.Frame> frames = plan.frames(files); frames.hasNext(); ) {
        FeedPlan.Frame frame = frames.next();
        Path f = frame.file();
        long wait = frame.dueNanos() - (System.nanoTime() - start);
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (plan.durationMs() > 0 && System.nanoTime() - start >= plan.durationMs() * 1_000_000L) {
          break;
        }
        ImageEvent e = ImageFiles.read(f, FeedPlan.withPass(ids.apply(f), frame.pass()), sourceId, Instant.now());
        byte[] value = serde.serializer().serialize(topic, e);
        // a producer in an error state may both throw and call back with the error, the callback possibly later on
        // its network thread: whichever comes first counts this file, once
        java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean();
        try {
          producer.send(new ProducerRecord<>(topic, key, value), (meta, error) -> {
            if (!counted.compareAndSet(false, true)) {
              return;
            }
            if (error == null) {
              acknowledged.incrementAndGet();
            } else {
              failed.incrementAndGet();
              firstError.compareAndSet(null, describe(f, error));
            }
          });
          queued++;
        } catch (KafkaException ex) {
          firstError.compareAndSet(null, describe(f, ex));
          if (counted.compareAndSet(false, true)) {
            failed.incrementAndGet();
          }
          failed.addAndGet(plan.loop() ? 0 : files.size() - queued - 1); // the files never sent
          break;
        }
      }
      producer.flush();
    }
    return new Result(acknowledged.get() + failed.get(), acknowledged.get(), failed.get(), firstError.get());
  }

  private static String describe(Path file, Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = error.getClass().getSimpleName() + ": " + error.getMessage();
    if (root != error) {
      msg += " (cause " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return file.getFileName() + ": " + msg;
  }
}
