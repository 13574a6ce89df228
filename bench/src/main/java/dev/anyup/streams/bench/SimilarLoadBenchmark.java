package dev.anyup.streams.bench;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.topology.AppConfig;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load on {@code serve}'s {@code GET /api/similar} (issue 23's "200 concurrent clients for 30 s"): one local KRaft
 * broker and registry, one embeddings topic, then for each application build given ({@code --app label=classpath
 * file}, in order, {@code --rounds} times alternating) a {@code serve} child JVM is started on it, waited for until it
 * has indexed every embedding, and driven by {@code --clients} keep-alive connections (raw sockets, one thread each,
 * one request at a time) for {@code --seconds} after a warm-up. Prints req/s, errors (an I/O error or any status but
 * 200) and p50/p99/max latency per run, so a build and its baseline are compared on the same broker, data and machine.
 */
@Command(name = "similar-load", mixinStandardHelpOptions = true,
    description = "Concurrent GET /api/similar load on serve child JVMs (a build and its baseline).")
public final class SimilarLoadBenchmark implements Callable<Integer> {
  @Option(names = "--app", required = true, description = "label=file with the classpath of a build to run serve from "
      + "(repeatable; e.g. base=/tmp/base-cp.txt)")
  List<String> apps;

  @Option(names = "--clients", defaultValue = "200", description = "concurrent connections")
  int clients;

  @Option(names = "--seconds", defaultValue = "30", description = "measured seconds per run")
  int seconds;

  @Option(names = "--warmup", defaultValue = "5", description = "seconds of the same load before measuring")
  int warmup;

  @Option(names = "--stored", defaultValue = "1000", description = "embeddings in the index")
  int stored;

  @Option(names = "--dim", defaultValue = "384", description = "embedding dimension (ViT-S/14: 384)")
  int dim;

  @Option(names = "--k", defaultValue = "10", description = "neighbours per query")
  int k;

  @Option(names = "--rounds", defaultValue = "1", description = "times through the --app list")
  int rounds;

  @Option(names = "--xmx", defaultValue = "512m", description = "serve's -Xmx")
  String xmx;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SimilarLoadBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("anyup-similar-load-");
    System.out.printf("cores %d, %d clients, %d s (+%d s warm-up), %d embeddings of dim %d, k %d, serve -Xmx%s%n",
        Runtime.getRuntime().availableProcessors(), clients, seconds, warmup, stored, dim, k, xmx);
    try (LocalStack stack = LocalStack.start()) {
      String topic = "bench.embeddings";
      stack.kafka().createTopic(topic, 1, Map.of());
      AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", stack.bootstrapServers(),
          "schema.registry.url", stack.schemaRegistryUrl(), "topics.embeddings", topic));
      RetrievalBenchmark.produce(cfg, topic, stored, dim, 10);
      System.out.println("| build | round | req/s | requests | errors | p50 ms | p99 ms | max ms |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
      for (int round = 1; round <= rounds; round++) {
        for (String app : apps) {
          String[] kv = app.split("=", 2);
          if (kv.length != 2) {
            throw new IllegalArgumentException("--app must be label=classpath-file but was '" + app + "'");
          }
          String cp = Files.readString(Path.of(kv[1])).trim();
          Result r = run(stack, topic, dir, cp);
          System.out.printf("| %s | %d | %,.0f | %,d | %d | %.1f | %.1f | %.1f |%n", kv[0], round,
              r.requests / (double) seconds, r.requests, r.errors, r.latency.p50(), r.latency.p99(), r.latency.max());
          if (r.firstError != null) {
            System.out.println("  first error: " + r.firstError);
          }
        }
      }
    }
    return 0;
  }

  private record Result(long requests, long errors, Percentiles latency, String firstError) {}

  private Result run(LocalStack stack, String topic, Path dir, String cp) throws Exception {
    String id = "load-" + UUID.randomUUID().toString().substring(0, 8);
    Path config = dir.resolve(id + ".yaml");
    Files.writeString(config, String.join("\n", "application.id: " + id, "bootstrap.servers: "
        + stack.bootstrapServers(), "schema.registry.url: " + stack.schemaRegistryUrl(), "topics.embeddings: " + topic,
        "topics.replication: 1", "streams.replication.factor: 1", "streams.state.dir: " + dir.resolve(id), ""));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve(id + ".log");
    Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + xmx, "-cp", cp, "dev.anyup.streams.app.Main", "serve", "--config", config.toString(),
        "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      awaitIndexed(serve, port, log);
      Load warm = Load.start(port, clients, stored, k);
      Thread.sleep(warmup * 1000L); // the load's duration is the point here, not a wait for a condition
      warm.stop();
      Load load = Load.start(port, clients, stored, k);
      Thread.sleep(seconds * 1000L);
      return load.stop();
    } finally {
      serve.destroy();
      serve.waitFor();
    }
  }

  /** Until {@code /ready} says the index holds every embedding (both builds answer "ready: N embeddings"). */
  private void awaitIndexed(Process serve, int port, Path log) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
    String full = "ready: " + stored + " embeddings";
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      if (!serve.isAlive()) {
        throw new IllegalStateException("serve exited " + serve.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().strip().equals(full)) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // polling a child process's readiness
    }
    throw new IllegalStateException("serve did not index " + stored + " embeddings in 2 minutes:\n"
        + Files.readString(log));
  }

  /** {@code clients} threads, each one keep-alive connection sending one GET at a time until stopped. */
  private static final class Load {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Client> workers = new ArrayList<>();
    private final CountDownLatch done;

    private Load(int clients) {
      done = new CountDownLatch(clients);
    }

    static Load start(int port, int clients, int stored, int k) {
      Load load = new Load(clients);
      for (int i = 0; i < clients; i++) {
        Client c = new Client(port, stored, k, i, load.stop);
        load.workers.add(c);
        Thread t = new Thread(() -> {
          try {
            c.loop();
          } finally {
            load.done.countDown();
          }
        }, "load-" + i);
        t.setDaemon(true);
        load.threads.add(t);
      }
      load.threads.forEach(Thread::start);
      return load;
    }

    Result stop() throws InterruptedException {
      stop.set(true);
      if (!done.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("load clients did not stop within 30 s");
      }
      long requests = 0;
      long errors = 0;
      String firstError = null;
      int n = 0;
      for (Client c : workers) {
        requests += c.count;
        errors += c.errors;
        firstError = firstError == null ? c.firstError : firstError;
        n += c.count;
      }
      double[] all = new double[n];
      int at = 0;
      for (Client c : workers) {
        for (int i = 0; i < c.count; i++) {
          all[at++] = c.micros[i] / 1000.0;
        }
      }
      return new Result(requests, errors, Percentiles.of(all), firstError);
    }
  }

  /** One keep-alive HTTP/1.1 connection; reconnects after an error or a {@code Connection: close}. */
  private static final class Client {
    private final int port;
    private final int stored;
    private final int k;
    private final SplittableRandom rnd;
    private final AtomicBoolean stop;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    long[] micros = new long[1024];
    int count;
    long errors;
    String firstError;

    Client(int port, int stored, int k, int seed, AtomicBoolean stop) {
      this.port = port;
      this.stored = stored;
      this.k = k;
      this.rnd = new SplittableRandom(seed);
      this.stop = stop;
    }

    void loop() {
      while (!stop.get()) {
        String path = "/api/similar?image=img-" + rnd.nextInt(stored) + "&k=" + k;
        long t0 = System.nanoTime();
        String error;
        try {
          int status = get(path);
          error = status == 200 ? null : "HTTP " + status + " on " + path;
        } catch (IOException e) {
          error = e + " on " + path;
          closeQuietly();
        }
        if (count == micros.length) {
          micros = Arrays.copyOf(micros, count * 2);
        }
        micros[count++] = (System.nanoTime() - t0) / 1000;
        if (error != null) {
          errors++;
          firstError = firstError == null ? error : firstError;
        }
      }
      closeQuietly();
    }

    private int get(String path) throws IOException {
      if (socket == null) {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 16_384);
        out = socket.getOutputStream();
      }
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      if (status == null || !status.startsWith("HTTP/1.1 ")) {
        throw new IOException("bad status line '" + status + "'");
      }
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String h = line(); h != null && !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      int code = Integer.parseInt(status.substring(9, 12));
      ByteArrayOutputStream body = code == 200 ? null : new ByteArrayOutputStream();
      if (chunked) {
        for (long size = Long.parseLong(line().trim().split(";")[0], 16); size > 0;
            size = Long.parseLong(line().trim().split(";")[0], 16)) {
          skip(size, body);
          line();
        }
        line();
      } else if (length >= 0) {
        skip(length, body);
      } else {
        throw new IOException("answer with neither Content-Length nor chunked body");
      }
      if (close) {
        closeQuietly();
      }
      if (body != null && firstError == null) {
        firstError = "HTTP " + code + " on " + path + ": " + body.toString(StandardCharsets.UTF_8).strip();
      }
      return code;
    }

    /** Reads {@code n} body bytes, into {@code keep} where it is not null (an error's answer). */
    private void skip(long n, ByteArrayOutputStream keep) throws IOException {
      if (keep != null) {
        keep.write(in.readNBytes((int) n));
        return;
      }
      while (n > 0) {
        long s = in.skip(n);
        if (s <= 0) {
          if (in.read() < 0) {
            throw new IOException("connection closed in a body");
          }
          s = 1;
        }
        n -= s;
      }
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(64);
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("connection closed by the server");
        }
        if (c != '\r') {
          b.write(c);
        }
      }
      return b.toString(StandardCharsets.US_ASCII);
    }

    private void closeQuietly() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a broken connection
        }
        socket = null;
      }
    }
  }
}
