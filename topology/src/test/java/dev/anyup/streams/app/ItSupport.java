package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ImagePipeline;
import dev.anyup.streams.topology.TestImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Test data builders and a read_committed client for the integration tests. */
final class ItSupport {
  private ItSupport() {}

  /** An app config on the shared stack with topics under {@code prefix} and a fresh application id. */
  static AppConfig config(LocalStack stack, String prefix, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>();
    m.put("application.id", prefix + "app");
    m.put("bootstrap.servers", stack.bootstrapServers());
    m.put("schema.registry.url", stack.schemaRegistryUrl());
    m.put("topics.input", prefix + "images");
    m.put("topics.dense", prefix + "dense");
    m.put("topics.embeddings", prefix + "embeddings");
    m.put("topics.dlq", prefix + "dlq");
    m.put("topics.partitions", "3");
    m.put("http.port", "0");
    m.put("batch.max.wait.ms", "10");
    m.put("streams.num.stream.threads", "2");
    m.put("streams.commit.interval.ms", "200");
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  /** {@code n} encoded images: the bundled samples first, then generated ones in several formats and sizes. */
  static Map<String, byte[]> mixedImages(int n) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : SampleImages.load().entrySet()) {
      if (out.size() < n && !e.getKey().endsWith(".webp")) {
        out.put("sample-" + e.getKey(), e.getValue());
      }
    }
    String[] formats = {"png", "jpg", "bmp", "gif"};
    int i = 0;
    while (out.size() < n) {
      String f = formats[i % formats.length];
      int w = 48 + (i * 37) % 400;
      int h = 40 + (i * 53) % 300;
      out.put("generated-" + i + "." + f, TestImages.pattern(w, h, i, f));
      i++;
    }
    return out;
  }

  static ModelLineage defaultLineage() {
    try (ModelBundle b = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      return ImagePipeline.lineage(b);
    }
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static int httpGet(int port, String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static String httpBody(int port, String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Starts {@code Main run --config config} as a child JVM on the test class path, output to {@code log}. */
  static Process startApp(java.nio.file.Path config, java.nio.file.Path log, String heap) throws IOException {
    return startApp(config, log, heap, Map.of());
  }

  /** As {@link #startApp(java.nio.file.Path, java.nio.file.Path, String)}, with {@code env} added to its environment. */
  static Process startApp(java.nio.file.Path config, java.nio.file.Path log, String heap, Map<String, String> env)
      throws IOException {
    return startApp(config, log, List.of(heap), env);
  }

  /** As {@link #startApp(java.nio.file.Path, java.nio.file.Path, String, Map)}, with any JVM options. */
  static Process startApp(java.nio.file.Path config, java.nio.file.Path log, List<String> jvmOptions,
      Map<String, String> env) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-Dai.djl.offline=true", "-cp", cp, "dev.anyup.streams.app.Main", "run", "--config",
        config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /**
   * {@code -Dlogback.configurationFile=} the app's own logback.xml: a child JVM on the test class path would otherwise
   * take logback-test.xml, and a test about what the app logs must see what users see.
   */
  static String productionLogging() {
    try {
      java.nio.file.Path classes = java.nio.file.Path.of(AnyupApp.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI());
      return "-Dlogback.configurationFile=" + classes.resolve("logback.xml");
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes a child app's config file: the servers, the application id {@code <prefix>app} and the topics
   * {@code <prefix>images|dense|embeddings|dlq} (as {@link #config} names them), {@code topics.partitions},
   * {@code http.port}, then {@code extra} key-value pairs in their order (flat dotted keys). Everything else is the
   * app's default, so the recovery under test is the app's own.
   */
  static java.nio.file.Path writeAppConfig(java.nio.file.Path file, String bootstrapServers, String registryUrl,
      String prefix, int partitions, int httpPort, String... extra) throws IOException {
    if (extra.length % 2 != 0) {
      throw new IllegalArgumentException("extra settings come in key-value pairs but had " + extra.length + " strings");
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("application.id", prefix + "app");
    m.put("bootstrap.servers", bootstrapServers);
    m.put("schema.registry.url", registryUrl);
    m.put("topics.input", prefix + "images");
    m.put("topics.dense", prefix + "dense");
    m.put("topics.embeddings", prefix + "embeddings");
    m.put("topics.dlq", prefix + "dlq");
    m.put("topics.partitions", Integer.toString(partitions));
    m.put("http.port", Integer.toString(httpPort));
    for (int i = 0; i < extra.length; i += 2) {
      m.put(extra[i], extra[i + 1]);
    }
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    java.nio.file.Files.writeString(file, b.toString());
    return file;
  }

  /** As {@link #writeAppConfig(java.nio.file.Path, String, String, String, int, int, String...)} on a stack. */
  static java.nio.file.Path writeAppConfig(java.nio.file.Path file, LocalStack stack, String prefix, int partitions,
      int httpPort, String... extra) throws IOException {
    return writeAppConfig(file, stack.bootstrapServers(), stack.schemaRegistryUrl(), prefix, partitions, httpPort,
        extra);
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The last 60 lines of a child's log, for failure messages. */
  static String tail(java.nio.file.Path log) {
    try {
      List<String> lines = java.nio.file.Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** {@code /ready}'s status code on a child app's ops port, or -1 while nothing answers there. */
  static int readyStatus(int port) {
    try {
      return httpGet(port, "/ready");
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Waits (up to 180 s) until a child app answers {@code /ready} with 200, failing with its log's tail if it dies. */
  static void awaitReady(Process app, int port, java.nio.file.Path log) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
        .until(() -> !app.isAlive() || readyStatus(port) == 200);
    org.junit.jupiter.api.Assertions.assertTrue(app.isAlive(), () -> "the app died: " + tail(log));
  }

  /** Output records by topic. */
  record Outputs(List<ConsumerRecord<byte[], byte[]>> dense, List<ConsumerRecord<byte[], byte[]>> embeddings,
      List<ConsumerRecord<byte[], byte[]>> deadLetters) {}

  /** Produces input events and reads the outputs with {@code read_committed}. */
  static final class Client implements AutoCloseable {
    private final AppConfig cfg;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SpecificAvroSerde<ImageEvent> events;

    Client(AppConfig cfg) {
      this.cfg = cfg;
      Properties p = cfg.producerProperties();
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(32 * 1024 * 1024));
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
      events = serde(ImageEvent.class);
    }

    <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
      SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type);
      s.configure(Map.copyOf(cfg.serdeConfig()), false);
      return s;
    }

    /** An event with an explicit content type (the label; the decoder goes by the bytes). */
    byte[] event(String id, String source, String contentType, byte[] image) {
      ImageEvent e = ImageFiles.event(id, source, id, image, Instant.now());
      e.setContentType(contentType);
      return events.serializer().serialize(cfg.topics().input(), e);
    }

    byte[] event(String id, String source, byte[] image) {
      return events.serializer().serialize(cfg.topics().input(),
          ImageFiles.event(id, source, id, image, Instant.now()));
    }

    /** Sends to one partition; the future says whether the broker took it (idempotent, acks=all). */
    java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(int partition, String key,
        byte[] value) {
      return producer.send(new ProducerRecord<>(cfg.topics().input(), partition, key.getBytes(StandardCharsets.UTF_8),
          value));
    }

    void send(String key, byte[] value) {
      producer.send(new ProducerRecord<>(cfg.topics().input(), key.getBytes(StandardCharsets.UTF_8), value));
    }

    /** Sends with one record header {@code name=value}. */
    void send(String key, byte[] value, String header, String headerValue) {
      ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(cfg.topics().input(),
          key.getBytes(StandardCharsets.UTF_8), value);
      r.headers().add(header, headerValue.getBytes(StandardCharsets.UTF_8));
      producer.send(r);
    }

    /**
     * The record of issue 10: an {@code ImageEvent} of 97 bytes, with this registry's schema id, whose Avro
     * {@code image} length claims 2,000,000,000 bytes.
     */
    byte[] poisonEvent(String id, String source) {
      byte[] template = event(id, source, new byte[] {1});
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.write(template, 0, 5);
      var e = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
      try {
        e.writeString(id);
        e.writeString(source);
        e.writeLong(1_764_300_000_000L);
        e.writeString("image/png");
        e.writeLong(2_000_000_000L);
        e.flush();
      } catch (IOException ex) {
        throw new java.io.UncheckedIOException(ex);
      }
      return java.util.Arrays.copyOf(out.toByteArray(), 97);
    }

    void flush() {
      producer.flush();
    }

    /** Reads all three output topics from the start until the expected counts arrive (or the timeout passes). */
    Outputs collect(int dense, int embeddings, int deadLetters, Duration timeout) {
      Properties p = cfg.consumerProperties();
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
      List<ConsumerRecord<byte[], byte[]>> d = new ArrayList<>();
      List<ConsumerRecord<byte[], byte[]>> e = new ArrayList<>();
      List<ConsumerRecord<byte[], byte[]>> l = new ArrayList<>();
      try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(cfg.topics().dense(), cfg.topics().embeddings(), cfg.topics().dlq()));
        long deadline = System.nanoTime() + timeout.toNanos();
        long settleUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settleUntil)) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            (r.topic().equals(cfg.topics().dense()) ? d : r.topic().equals(cfg.topics().embeddings()) ? e : l).add(r);
          }
          if (settleUntil == Long.MAX_VALUE && d.size() >= dense && e.size() >= embeddings
              && l.size() >= deadLetters) {
            // keep reading a little longer: duplicates would show up here
            settleUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
          }
        }
      }
      return new Outputs(d, e, l);
    }

    @Override
    public void close() {
      producer.close();
      events.close();
    }
  }
}
