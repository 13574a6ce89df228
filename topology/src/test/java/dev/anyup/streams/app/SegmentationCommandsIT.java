package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import dev.anyup.streams.segmentation.ConceptTopic;
import dev.anyup.streams.segmentation.LabelPalette;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code concepts add|list|remove} and {@code inspect --png} of label maps against the real broker and registry. */
@ExtendWith(SharedStack.class)
class SegmentationCommandsIT {
  @TempDir Path dir;

  /** A command's exit code and what it printed. */
  record Run(int code, String out, String err) {}

  private static synchronized Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      out.print(o.toString(StandardCharsets.UTF_8));
      err.print(e.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void addListAppendAndRemoveConceptsThroughTheCompactedTopic() throws Exception {
    LocalStack stack = SharedStack.stack();
    String topic = "concepts-" + UUID.randomUUID().toString().substring(0, 8);
    // the topic comes from the config file (--config), the endpoints from the options
    Path config = Files.writeString(dir.resolve("app.yaml"), "segmentation:\n  concepts:\n    topic: " + topic + "\n");
    Path image = Files.write(dir.resolve("pattern.png"), TestImages.pattern(300, 200, 4, "png"));
    BufferedImage maskImg = new BufferedImage(300, 200, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 60; y < 140; y++) {
      for (int x = 100; x < 200; x++) {
        maskImg.getRaster().setSample(x, y, 0, 255);
      }
    }
    Path mask = Files.write(dir.resolve("mask.png"), TestImages.encode(maskImg, "png"));
    String[] cluster = {"--bootstrap", stack.bootstrapServers(), "--registry", stack.schemaRegistryUrl(),
        "--config", config.toString()};

    Run add = run(concat(new String[] {"concepts"}, cluster, new String[] {"add", "--name", "square", "--image",
        image.toString(), "--box", "80,50,100,60", "--threshold", "0.7"}));
    assertEquals(0, add.code(), add.err());
    assertTrue(add.out().contains("wrote concept square"), add.out());
    Run sky = run(concat(new String[] {"concepts"}, cluster, new String[] {"add", "--name", "sky", "--image",
        image.toString(), "--mask", mask.toString()}));
    assertEquals(0, sky.code(), sky.err());
    Run append = run(concat(new String[] {"concepts"}, cluster, new String[] {"add", "--name", "square", "--image",
        image.toString(), "--box", "150,100,20,20", "--append"}));
    assertEquals(0, append.code(), append.err());

    AppConfig cfg = AppConfig.defaults(stack.bootstrapServers(), stack.schemaRegistryUrl());
    try (ConceptTopic t = new ConceptTopic(cfg, topic, Duration.ofSeconds(30))) {
      ConceptTopic.Listing l = t.read();
      assertEquals(List.of("square", "sky"), l.concepts().stream().map(ConceptTopic.Entry::name).toList());
      Concept square = l.concepts().get(0).concept();
      assertEquals(2, square.getPrototypes().size(), "--append added a prototype");
      assertEquals(0.7, square.getThreshold(), "--append keeps the threshold");
      assertEquals(ItSupport.defaultLineage().getEncoderModel().getSha256(), square.getEncoderSha256());
      assertEquals(square.getDimension(), square.getPrototypes().get(1).size());
      assertEquals("cli", square.getCreatedBy());
      assertEquals(0.6, l.concepts().get(1).concept().getThreshold(), "the default threshold");
      assertEquals(3, l.endOffset());
    }
    // created compacted with one partition (the concept-set version is an offset of that partition)
    try (Admin admin = Admin.create(cfg.adminProperties())) {
      assertEquals(1, admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
          .partitions().size());
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      assertEquals("compact", admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res)
          .get("cleanup.policy").value());
    }

    Run list = run(concat(new String[] {"concepts"}, cluster, new String[] {"list"}));
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("square  dimension=") && list.out().contains("prototypes=2")
        && list.out().contains("sky  dimension="), list.out());
    assertTrue(list.out().contains("2 concept(s) on " + topic), list.out());

    Run remove = run(concat(new String[] {"concepts"}, cluster, new String[] {"remove", "--name", "square"}));
    assertEquals(0, remove.code(), remove.err());
    Run after = run(concat(new String[] {"concepts"}, cluster, new String[] {"list"}));
    assertTrue(!after.out().contains("square") && after.out().contains("1 concept(s)"), after.out());
    // the tombstone is a null value under the name
    ConsumerRecord<byte[], byte[]> last = lastRecord(cfg, topic);
    assertEquals("square", new String(last.key(), StandardCharsets.UTF_8));
    assertNull(last.value());

    Run missing = run(concat(new String[] {"concepts"}, cluster, new String[] {"remove", "--name", "square"}));
    assertEquals(ConceptsCommand.NOT_WRITTEN, missing.code());
    assertTrue(missing.err().contains("no concept square"), missing.err());
    Run cropped = run(concat(new String[] {"concepts"}, cluster, new String[] {"add", "--name", "edge", "--image",
        image.toString(), "--box", "0,0,40,200"}));
    assertEquals(ConceptsCommand.BAD_ARGUMENT, cropped.code());
    assertTrue(cropped.err().contains("covers no feature pixel"), cropped.err());
  }

  @Test
  void addExitsNonZeroWithTheBrokersErrorWhenTheWriteIsNotAcknowledged() throws Exception {
    LocalStack stack = SharedStack.stack();
    String topic = "concepts-small-" + UUID.randomUUID().toString().substring(0, 8);
    AppConfig cfg = AppConfig.defaults(stack.bootstrapServers(), stack.schemaRegistryUrl());
    try (Admin admin = Admin.create(cfg.adminProperties())) {
      // the broker refuses every concept record: larger than the topic's limit
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
          "max.message.bytes", "256")))).all().get(30, TimeUnit.SECONDS);
    }
    Path image = Files.write(dir.resolve("p.png"), TestImages.pattern(120, 90, 1, "png"));
    Run add = run("concepts", "--bootstrap", stack.bootstrapServers(), "--registry", stack.schemaRegistryUrl(),
        "--topic", topic, "--timeout-ms", "10000", "add", "--name", "p", "--image", image.toString(), "--box",
        "30,20,60,50");
    assertEquals(ConceptsCommand.NOT_WRITTEN, add.code());
    assertTrue(add.err().contains("did not acknowledge concept p") && add.err().contains("RecordTooLarge"),
        add.err());
    assertTrue(!add.out().contains("wrote"), add.out());
  }

  @Test
  void inspectWritesOneColouredPngPerLabelMapAndPrintsClassPixelCounts() throws Exception {
    LocalStack stack = SharedStack.stack();
    String topic = "segments-" + UUID.randomUUID().toString().substring(0, 8);
    stack.kafka().createTopic(topic, 1, Map.of());
    AppConfig cfg = AppConfig.defaults(stack.bootstrapServers(), stack.schemaRegistryUrl());
    int[] labels = new int[6 * 4];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i < 8 ? 0 : i < 20 ? 1 : 2;
    }
    LabelMap map = new LabelMap(6, 4, labels, null, List.of("unknown", "sky", "road"));
    try (ItSupport.Client client = new ItSupport.Client(cfg);
        SpecificAvroSerde<SegmentationMap> serde = client.serde(SegmentationMap.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(cfg.producerProperties(),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      SegmentationMap m = SegmentationMap.newBuilder().setImageId("frame/1").setSourceId("cam")
          .setCaptureTimestamp(Instant.EPOCH).setProcessedTimestamp(Instant.EPOCH)
          .setLineage(ItSupport.defaultLineage()).setPreprocessing(preprocessing()).setHeadKind("concepts")
          .setHeadName("segmentation.concepts").setHeadVersion("7").setClassNames(map.classNames()).setWidth(6)
          .setHeight(4).setLabelPng(ByteBuffer.wrap(LabelPng.labels(map))).setPixelCounts(List.of(8L, 12L, 4L))
          .build();
      producer.send(new ProducerRecord<>(topic, "cam".getBytes(StandardCharsets.UTF_8),
          serde.serializer().serialize(topic, m))).get(30, TimeUnit.SECONDS);
    }
    Path png = dir.resolve("png");
    Run inspect = run("inspect", "--bootstrap", stack.bootstrapServers(), "--registry", stack.schemaRegistryUrl(),
        "--topic", topic, "--max", "1", "--idle-ms", "3000", "--png", png.toString());
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("1 sky " + LabelPalette.css(1) + " 12 px"), inspect.out());
    assertTrue(inspect.out().contains("2 road " + LabelPalette.css(2) + " 4 px"), inspect.out());
    assertTrue(inspect.out().contains("head concepts segmentation.concepts version 7"), inspect.out());
    BufferedImage img = ImageIO.read(png.resolve("frame_1.png").toFile());
    assertEquals(6, img.getWidth());
    assertEquals(4, img.getHeight());
    for (int i = 0; i < labels.length; i++) {
      assertEquals(LabelPalette.argb(labels[i]), img.getRGB(i % 6, i / 6), "pixel " + i);
    }
  }

  private static dev.anyup.streams.avro.Preprocessing preprocessing() {
    return dev.anyup.streams.avro.Preprocessing.newBuilder().setSourceWidth(6).setSourceHeight(4).setInputWidth(6)
        .setInputHeight(4).setResizeMode("SQUASH").setScaleX(1).setScaleY(1).setCropX(0).setCropY(0).setCropWidth(6)
        .setCropHeight(4).setPadX(0).setPadY(0).setPadWidth(6).setPadHeight(4).build();
  }

  private static ConsumerRecord<byte[], byte[]> lastRecord(AppConfig cfg, String topic) {
    Properties p = cfg.consumerProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (var c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      c.seek(tp, end - 1);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          return r;
        }
      }
    }
    throw new AssertionError("no record at the end of " + topic);
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
