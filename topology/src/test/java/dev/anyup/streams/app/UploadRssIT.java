package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.app.local.LocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not run by default ({@code -Dbench.upload.rss=true}): {@code serve --allow-upload}, or {@code run} with
 * the console's uploads on, in a child JVM embeds 200 uploads of real photos ({@code bench.photos.dir}, default
 * Debian's scikit-image sample photos at full size, up to 1411×1411; the bundled downscaled samples where that folder
 * is missing), cycled, and the child's resident memory is printed after the first 20 and after 200, with Native
 * Memory Tracking's totals. {@code bench.jvm}: the child's heap flags, space separated (default {@code -Xms1g -Xmx1g
 * -XX:+AlwaysPreTouch}: a fixed, pre-touched heap as the container image's {@code InitialRAMPercentage} =
 * {@code MaxRAMPercentage} gives);
 * {@code bench.malloc.arena.max} sets {@code MALLOC_ARENA_MAX} ({@code none}: unset, glibc's default);
 * {@code bench.extra.config} adds {@code key=value,…} to the app's configuration (e.g.
 * {@code model.memory.pattern.max.size=0}); {@code bench.concurrency} the concurrent uploads (8). Figures:
 * RELIABILITY.md, docs/sizing.md.
 */
@ExtendWith(SharedStack.class)
@EnabledIfSystemProperty(named = "bench.upload.rss", matches = "true")
class UploadRssIT {
  /** Photographs (not drawings or test patterns) among scikit-image's samples: 384×303 to 1411×1411. */
  private static final List<String> PHOTOS = List.of("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
      "hubble_deep_field.jpg", "retina.jpg", "motorcycle_left.png", "motorcycle_right.png", "ihc.png", "camera.png",
      "coins.png", "moon.png");

  @TempDir Path dir;

  @Test
  void printsServeRssAfter20And200Uploads() throws Exception {
    int port = ItSupport.freePort();
    Path config = config(Map.of());
    measure("serve --allow-upload", List.of("serve", "--config", config.toString(), "--port", String.valueOf(port),
        "--allow-upload", "--state-dir", dir.resolve("state").toString()), port, "/ready");
  }

  @Test
  void printsRunRssAfter20And200ConsoleUploads() throws Exception {
    int port = ItSupport.freePort();
    Path config = config(Map.of("console.enabled", "true", "console.port", String.valueOf(port),
        "console.upload.enabled", "true", "http.port", String.valueOf(ItSupport.freePort()),
        "streams.state.dir", dir.resolve("state").toString()));
    measure("run, console uploads", List.of("run", "--config", config.toString()), port, "/api/status");
  }

  private Path config(Map<String, String> mode) throws IOException {
    LocalStack stack = SharedStack.stack();
    String prefix = "rss-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> m = new LinkedHashMap<>();
    m.put("application.id", prefix + "app");
    m.put("bootstrap.servers", stack.bootstrapServers());
    m.put("schema.registry.url", stack.schemaRegistryUrl());
    m.put("topics.input", prefix + "images");
    m.put("topics.dense", prefix + "dense");
    m.put("topics.embeddings", prefix + "embeddings");
    m.put("topics.dlq", prefix + "dlq");
    m.put("topics.replication", "1");
    m.put("streams.replication.factor", "1");
    m.putAll(mode);
    for (String kv : System.getProperty("bench.extra.config", "").split(",")) {
      if (!kv.isBlank()) {
        String[] p = kv.split("=", 2);
        m.put(p[0].trim(), p[1].trim());
      }
    }
    stack.kafka().createTopic(prefix + "embeddings", 1, Map.of());
    Path config = dir.resolve("app.yaml");
    StringBuilder yaml = new StringBuilder();
    m.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(config, yaml);
    return config;
  }

  private void measure(String what, List<String> args, int port, String ready) throws Exception {
    String arena = System.getProperty("bench.malloc.arena.max", "none");
    List<String> jvm = Arrays.stream(System.getProperty("bench.jvm", "-Xms1g -Xmx1g -XX:+AlwaysPreTouch")
        .split(" ")).filter(s -> !s.isBlank()).toList();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvm);
    cmd.addAll(List.of("-XX:NativeMemoryTracking=summary", "-Dai.djl.offline=true", "-cp", cp,
        "dev.anyup.streams.app.Main"));
    cmd.addAll(args);
    Path log = dir.resolve("child.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (!arena.equals("none")) {
      pb.environment().put("MALLOC_ARENA_MAX", arena);
    }
    Map<String, byte[]> photos = photos();
    Process child = pb.start();
    int concurrency = Integer.getInteger("bench.concurrency", 8);
    ExecutorService clients = Executors.newFixedThreadPool(concurrency);
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(180)).ignoreExceptions()
          .until(() -> ItSupport.httpGet(port, ready) == 200);
      long startRss = rssKb(child.pid());
      List<byte[]> bytes = new ArrayList<>(photos.values());
      long first = 0;
      int sent = 0;
      for (int batch : new int[] {20, 180}) {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          byte[] photo = bytes.get(sent++ % bytes.size());
          answers.add(clients.submit(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + port + "/api/similar?k=5&partial=true")).timeout(Duration.ofSeconds(300))
              .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString())));
        }
        for (Future<HttpResponse<String>> f : answers) {
          HttpResponse<String> r = f.get(600, TimeUnit.SECONDS);
          assertEquals(200, r.statusCode(), r.body() + "\n" + ItSupport.tail(log));
        }
        if (first == 0) {
          first = rssKb(child.pid());
        }
      }
      long last = rssKb(child.pid());
      System.out.printf("UploadRssIT: %s, %d photos (%s), %d concurrent clients, MALLOC_ARENA_MAX=%s, JVM %s, "
          + "config %s: RSS %d MiB before uploads, %d MiB after 20, %d MiB after 200 (%+.1f %%)%n", what,
          photos.size(), photosDir(), concurrency, arena.equals("none") ? "(glibc default)" : arena, jvm,
          System.getProperty("bench.extra.config", "(defaults)"), startRss / 1024, first / 1024, last / 1024,
          100.0 * (last - first) / first);
      Process nmt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(child.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
      String summary = new String(nmt.getInputStream().readAllBytes());
      nmt.waitFor();
      // "Total" and each category's line ("-   Java Heap (reserved=…, committed=…)"), committed only
      System.out.println("UploadRssIT NMT committed MiB: " + summary.lines().map(String::trim)
          .filter(l -> l.startsWith("Total") || l.matches("-\\s+[A-Za-z ]+\\(reserved=.*"))
          .map(l -> l.replaceFirst("^-\\s+", "").replaceFirst("\\s*\\(reserved=\\d+KB, committed=(\\d+)KB.*", "=$1")
              .replaceFirst("^Total: reserved=\\d+KB, committed=(\\d+)KB.*", "Total=$1"))
          .map(l -> l.substring(0, l.indexOf('=') + 1) + Long.parseLong(l.substring(l.indexOf('=') + 1)) / 1024)
          .toList());
    } finally {
      clients.shutdownNow();
      child.destroy();
      child.waitFor();
    }
  }

  private static Path photosDir() {
    return Path.of(System.getProperty("bench.photos.dir", "/usr/lib/python3/dist-packages/skimage/data"));
  }

  /** The photos of {@link #PHOTOS} found in {@link #photosDir()}, else the bundled (downscaled) samples. */
  private static Map<String, byte[]> photos() throws IOException {
    Map<String, byte[]> found = new LinkedHashMap<>();
    for (String name : PHOTOS) {
      Path p = photosDir().resolve(name);
      if (Files.isRegularFile(p)) {
        found.put(name, Files.readAllBytes(p));
      }
    }
    if (found.isEmpty()) {
      System.out.println("UploadRssIT: no photos in " + photosDir() + ", using the bundled downscaled samples");
      return SampleImages.load();
    }
    return found;
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }
}
