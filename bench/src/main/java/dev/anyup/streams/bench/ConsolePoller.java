package dev.anyup.streams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A browser-like client of the web console, for the pipeline/ceiling ratio with the console open: what
 * {@code console.js} does each second (recent tiles, chart points; dead letters every 2 s; the original and the
 * feature picture of every new tile), plus what a person does: one similar-image query and one click-to-segment on
 * the newest image every {@code clickSeconds} seconds (1 = a stress test, far busier than a person). Counts its requests, failures and bytes, and the CPU time of the app's console
 * threads ({@code anyup-console-*}: page server, chart sampler, tile renderer, embeddings follower), which is the
 * console's cost to the pipeline independently of how noisy the machine is.
 */
final class ConsolePoller implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-console-poller");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> fetched = new HashSet<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final java.util.Map<Long, Long> consoleCpuNanos = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<Long, String> threadNames = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
  private final long startNanos = System.nanoTime();
  private final long processCpuAtStart = ((com.sun.management.OperatingSystemMXBean) java.lang.management
      .ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  private final int clickSeconds;
  private long ticks;

  private ConsolePoller(int port, int clickSeconds) {
    this.base = "http://127.0.0.1:" + port;
    this.clickSeconds = clickSeconds;
  }

  /** Starts polling the console on {@code port} once a second, clicking every {@code clickSeconds} seconds. */
  static ConsolePoller start(int port, int clickSeconds) {
    if (clickSeconds < 1) {
      throw new IllegalArgumentException("clickSeconds must be at least 1 but was " + clickSeconds);
    }
    ConsolePoller p = new ConsolePoller(port, clickSeconds);
    p.timer.scheduleWithFixedDelay(p::tick, 0, 1, TimeUnit.SECONDS);
    return p;
  }

  /** Records the CPU time of every live console thread (kept per thread id, so a thread that ends still counts). */
  private void sampleCpu() {
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && (t.getThreadName().startsWith("anyup-console") || t.getThreadName().startsWith("bench-console")
          || t.getThreadName().startsWith("HttpClient-") || t.getThreadName().startsWith("HTTP-Dispatcher"))) {
        long cpu = threads.getThreadCpuTime(t.getThreadId());
        if (cpu >= 0) {
          consoleCpuNanos.merge(t.getThreadId(), cpu, Math::max);
          threadNames.put(t.getThreadId(), t.getThreadName());
        }
      }
    }
  }

  private void tick() {
    sampleCpu();
    try {
      long tick = ticks++;
      JsonNode recent = get("/api/recent");
      get("/api/metrics");
      if (tick % 2 == 0) {
        get("/api/deadletters");
      }
      String newest = null;
      boolean segmentable = false;
      if (recent != null) {
        for (JsonNode source : recent.get("sources")) {
          for (JsonNode tile : source.get("tiles")) {
            String id = tile.get("image_id").asText();
            if (newest == null) {
              newest = id;
              segmentable = tile.get("segmentable").asBoolean();
            }
            if (fetched.add(id)) {
              String q = "?image=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
              getBytes("/api/image" + q);
              getBytes("/api/features" + q);
            }
          }
        }
      }
      if (newest != null && tick % clickSeconds == 0) {
        String q = "?image=" + URLEncoder.encode(newest, StandardCharsets.UTF_8);
        get("/api/similar" + q + "&k=5");
        if (segmentable) {
          get("/api/segment" + q + "&x=100&y=100");
        }
      }
    } catch (RuntimeException e) {
      failures.incrementAndGet();
    }
  }

  private JsonNode get(String path) {
    byte[] body = getBytes(path);
    try {
      return body == null ? null : JSON.readTree(body);
    } catch (java.io.IOException e) {
      failures.incrementAndGet();
      return null;
    }
  }

  private byte[] getBytes(String path) {
    requests.incrementAndGet();
    try {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      bytes.addAndGet(r.body().length);
      if (r.statusCode() != 200) {
        // a similar-image query for an image not yet in the follower's index is a 404: counted, not fatal
        failures.incrementAndGet();
        return null;
      }
      return r.body();
    } catch (java.io.IOException e) {
      failures.incrementAndGet();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** CPU milliseconds of the app's console threads ({@code anyup-console-*}) so far. */
  double consoleCpuMs() {
    sampleCpu();
    double ns = 0;
    for (java.util.Map.Entry<Long, Long> e : consoleCpuNanos.entrySet()) {
      if (threadNames.get(e.getKey()).startsWith("anyup-console")) {
        ns += e.getValue();
      }
    }
    return ns / 1e6;
  }

  /** CPU milliseconds of this JVM (app, broker, bench) since the poller started. */
  double processCpuMs() {
    return (((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime() - processCpuAtStart) / 1e6;
  }

  /** CPU milliseconds per console thread name (threads of one pool summed), largest first. */
  String cpuByThread() {
    java.util.Map<String, Double> byName = new java.util.TreeMap<>();
    consoleCpuNanos.forEach((id, ns) -> byName.merge(threadNames.get(id).replaceAll("-\\d+", "-N"), ns / 1e6,
        Double::sum));
    StringBuilder b = new StringBuilder();
    byName.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
            .append(String.format(java.util.Locale.ROOT, "%.0f ms", e.getValue())));
    return b.toString();
  }

  /** How many threads of each console kind are alive now (a leak across runs would show here). */
  private String liveThreads() {
    java.util.Map<String, Integer> n = new java.util.TreeMap<>();
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && (t.getThreadName().startsWith("anyup-") || t.getThreadName().startsWith("HttpClient-")
          || t.getThreadName().startsWith("HTTP-Dispatcher") || t.getThreadName().startsWith("kafka-"))) {
        n.merge(t.getThreadName().replaceAll("-\\d+", "-N"), 1, Integer::sum);
      }
    }
    return n.toString();
  }

  /** One line for the log: requests, non-200 answers, bytes, console CPU over {@code images} processed images. */
  String summary(int images) {
    double cpu = consoleCpuMs();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double process = processCpuMs();
    return String.format(java.util.Locale.ROOT, "console poller: %d requests, %d not 200, %.1f MB; console threads "
        + "%.0f ms CPU in %.1f s = %.1f%% of one core, %.1f ms per image (%d images incl. warm-up), %.1f%% of this "
        + "JVM's %.0f ms CPU; by thread: %s", requests.get(), failures.get(), bytes.get() / 1e6, cpu, seconds,
        100 * cpu / 1000 / seconds, cpu / Math.max(images, 1), images, 100 * cpu / process, process, cpuByThread())
        + "; live threads: " + liveThreads();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
