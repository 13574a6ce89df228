package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The {@code produce}, {@code inspect} and {@code verify-bundle} commands against the real stack. */
@ExtendWith(SharedStack.class)
class CommandLineIT {
  @TempDir Path dir;

  @Test
  void verifyBundleExitsZeroForTheDefaultBundle() {
    assertEquals(0, Main.execute("verify-bundle"));
  }

  @Test
  void producePublishesAFolderAndInspectRendersTheDenseFeaturesToPng() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "cli-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of());
    Path images = Files.createDirectories(dir.resolve("images"));
    for (int i = 0; i < 3; i++) {
      Files.write(images.resolve("img-" + i + ".png"), TestImages.pattern(90, 60, i, "png"));
    }
    Files.writeString(images.resolve("notes.txt"), "not an image, skipped");
    try (AnyupApp app = AnyupApp.start(cfg); ItSupport.Client client = new ItSupport.Client(app.config())) {
      assertEquals(0, Main.execute("produce", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().input(), "--source-id", "cam-cli", images.toString()));
      assertEquals(3, client.collect(3, 3, 0, Duration.ofSeconds(90)).dense().size());
      Path png = dir.resolve("png");
      assertEquals(0, Main.execute("inspect", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().dense(), "--max", "3", "--idle-ms", "3000",
          "--png", png.toString()));
      for (int i = 0; i < 3; i++) {
        BufferedImage img = ImageIO.read(png.resolve("img-" + i + ".png.png").toFile());
        assertEquals(224, img.getWidth(), "one pixel per dense feature");
      }
      assertEquals(0, Main.execute("inspect", "--bootstrap", stack.bootstrapServers(), "--registry",
          stack.schemaRegistryUrl(), "--topic", cfg.topics().embeddings(), "--max", "3", "--idle-ms", "3000"));
    }
  }

  @Test
  void produceAndInspectAuthenticateToTheRegistryWithTheCommandConfigFile() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "cli-auth-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    String input = prefix + "images";
    String embeddings = prefix + "embeddings";
    stack.kafka().createTopic(input, 1, Map.of());
    stack.kafka().createTopic(embeddings, 1, Map.of());
    Path images = Files.createDirectories(dir.resolve("auth-images"));
    Files.write(images.resolve("a.png"), TestImages.pattern(40, 30, 1, "png"));
    try (BasicAuthRegistryProxy proxy = new BasicAuthRegistryProxy(stack.schemaRegistryUrl(), "alice:s3cret")) {
      String registry = proxy.url(stack.schemaRegistryUrl());
      // Confluent-style client config: endpoints, a Kafka client setting and the registry's basic auth in one file
      Path withAuth = Files.writeString(dir.resolve("client.properties"), String.join("\n",
          "bootstrap.servers=" + stack.bootstrapServers(), "schema.registry.url=" + registry,
          "client.id=anyup-cli-auth-test", "basic.auth.user.info=alice:s3cret", ""));
      Path noAuth = Files.writeString(dir.resolve("no-auth.properties"), String.join("\n",
          "bootstrap.servers=" + stack.bootstrapServers(), "schema.registry.url=" + registry, ""));

      assertEquals(2, Main.execute("produce", "--command-config", noAuth.toString(), "--topic", input,
          images.toString()), "without credentials the registry refuses the schema");
      assertTrue(proxy.refusedRequests() > 0);

      assertEquals(0, Main.execute("produce", "--command-config", withAuth.toString(), "--topic", input,
          images.toString()));
      int afterProduce = proxy.authorizedRequests();
      assertTrue(afterProduce > 0, "the schema was registered through the authenticating registry");

      // an embedding written with the registry directly; inspect must fetch its schema by id, with credentials
      AppConfig direct = AppConfig.defaults(stack.bootstrapServers(), stack.schemaRegistryUrl());
      try (ItSupport.Client client = new ItSupport.Client(direct);
          SpecificAvroSerde<ImageEmbedding> serde = client.serde(ImageEmbedding.class);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(direct.producerProperties(),
              new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(embeddings, null,
            serde.serializer().serialize(embeddings, embedding("e-1")))).get();
      }
      assertEquals(0, Main.execute("inspect", "--command-config", withAuth.toString(), "--topic", embeddings,
          "--max", "1", "--idle-ms", "5000"));
      assertTrue(proxy.authorizedRequests() > afterProduce, "inspect looked the schema up with credentials");
    }
  }

  @Test
  void produceExitsNonZeroAndCountsWhenTheBrokerAcknowledgesNothing() throws Exception {
    LocalStack stack = SharedStack.stack();
    String input = "cli-refused-" + UUID.randomUUID().toString().substring(0, 8) + ".images";
    stack.kafka().createTopic(input, 1, Map.of());
    Path images = Files.createDirectories(dir.resolve("refused-images"));
    for (int i = 0; i < 3; i++) {
      Files.write(images.resolve("img-" + i + ".png"), TestImages.pattern(90, 60, i, "png"));
    }
    // every record is over the producer's max.request.size: the producer refuses each one after the call returned,
    // which the command once ignored and printed "published 3 images"
    Path tooSmall = Files.writeString(dir.resolve("too-small.properties"), String.join("\n",
        "bootstrap.servers=" + stack.bootstrapServers(), "schema.registry.url=" + stack.schemaRegistryUrl(),
        "max.request.size=200", ""));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream before = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = Main.execute("produce", "--command-config", tooSmall.toString(), "--topic", input, images.toString());
    } finally {
      System.setErr(before);
    }
    String printed = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(1, code, printed);
    assertTrue(printed.contains("acknowledged 0 of 3 images") && printed.contains("RecordTooLargeException"), printed);
    AppConfig direct = AppConfig.defaults(stack.bootstrapServers(), stack.schemaRegistryUrl());
    try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(direct.consumerProperties(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var tp = new org.apache.kafka.common.TopicPartition(input, 0);
      assertEquals(0L, consumer.endOffsets(List.of(tp)).get(tp), "nothing reached the topic, as the summary says");
    }
  }

  private static ImageEmbedding embedding(String id) {
    return ImageEmbedding.newBuilder().setImageId(id).setSourceId("cam").setCaptureTimestamp(Instant.EPOCH)
        .setProcessedTimestamp(Instant.EPOCH).setLineage(ItSupport.defaultLineage()).setDimension(2)
        .setVector(List.of(0.6f, 0.8f)).setVectorKind("cls").setRegionGrid(0).setRegions(List.of()).build();
  }
}
