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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not run by default ({@code -Dbench.upload.rss=true}): {@code serve --allow-upload} in a child JVM
 * embeds 200 uploads of the bundled sample photos (cycled) and the child's resident memory is printed after the first
 * 20 and after 200. The heap is fixed and pre-touched as in the container image ({@code -Xms} = {@code -Xmx}
 * {@code bench.xmx}, default 1g), so what grows is native memory. {@code bench.malloc.arena.max} sets
 * {@code MALLOC_ARENA_MAX}, {@code bench.fixed.heap=false} lets the heap grow (no {@code -Xms}),
 * {@code bench.concurrency} the concurrent uploads (8). Figures: RELIABILITY.md.
 */
@ExtendWith(SharedStack.class)
@EnabledIfSystemProperty(named = "bench.upload.rss", matches = "true")
class UploadRssIT {
  @TempDir Path dir;

  @Test
  void printsServeRssAfter20And200Uploads() throws Exception {
    String arena = System.getProperty("bench.malloc.arena.max", "");
    LocalStack stack = SharedStack.stack();
    String prefix = "rss-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Path config = dir.resolve("app.yaml");
    Files.writeString(config, String.join("\n",
        "application.id: " + prefix + "app",
        "bootstrap.servers: " + stack.bootstrapServers(),
        "schema.registry.url: " + stack.schemaRegistryUrl(),
        "topics.embeddings: " + prefix + "embeddings",
        "topics.replication: 1",
        "streams.replication.factor: 1", ""));
    stack.kafka().createTopic(prefix + "embeddings", 1, Map.of());
    int port = ItSupport.freePort();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String xmx = System.getProperty("bench.xmx", "1g");
    boolean fixedHeap = Boolean.parseBoolean(System.getProperty("bench.fixed.heap", "true"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + xmx));
    if (fixedHeap) {
      cmd.addAll(List.of("-Xms" + xmx, "-XX:+AlwaysPreTouch"));
    }
    cmd.addAll(List.of("-XX:NativeMemoryTracking=summary", "-Dai.djl.offline=true", "-cp", cp, "dev.anyup.streams.app.Main", "serve", "--config", config.toString(), "--port",
        String.valueOf(port), "--allow-upload", "--state-dir", dir.resolve("state").toString()));
    Path log = dir.resolve("serve.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (!arena.isEmpty()) {
      pb.environment().put("MALLOC_ARENA_MAX", arena);
    }
    Process serve = pb.start();
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
          .until(() -> ItSupport.httpGet(port, "/ready") == 200);
      List<byte[]> photos = new ArrayList<>();
      for (Map.Entry<String, byte[]> e : SampleImages.load().entrySet()) {
        photos.add(e.getValue());
      }
      int concurrency = Integer.getInteger("bench.concurrency", 8);
      java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(concurrency);
      long first = 0;
      try {
        int sent = 0;
        for (int batch : new int[] {20, 180}) {
          List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
          for (int i = 0; i < batch; i++) {
            byte[] photo = photos.get(sent++ % photos.size());
            answers.add(clients.submit(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + port + "/api/similar?k=5&partial=true")).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString())));
          }
          for (java.util.concurrent.Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get(300, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body() + "\n" + ItSupport.tail(log));
          }
          if (first == 0) {
            first = rssKb(serve.pid());
          }
        }
      } finally {
        clients.shutdownNow();
      }
      long last = rssKb(serve.pid());
      System.out.printf("UploadRssIT: serve --allow-upload, %d concurrent clients, MALLOC_ARENA_MAX=%s, -Xmx%s%s: RSS %d MiB after 20 uploads, "
          + "%d MiB after 200 (%+.1f %%)%n", concurrency, arena.isEmpty() ? "(glibc default)" : arena,
          xmx, fixedHeap ? " (fixed, pre-touched)" : " (grows)", first / 1024, last / 1024, 100.0 * (last - first) / first);
      Process nmt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(serve.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
      String summary = new String(nmt.getInputStream().readAllBytes());
      nmt.waitFor();
      System.out.println("UploadRssIT NMT: " + summary.lines().filter(l -> l.contains("Total") || l.contains("Java Heap")
          || l.contains("- Class") || l.contains("- Thread") || l.contains("- Internal") || l.contains("- Other")
          || l.contains("- Code") || l.contains("- GC")).map(String::trim).toList());
    } finally {
      serve.destroy();
      serve.waitFor();
    }
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
