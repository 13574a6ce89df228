package dev.anyup.streams.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Abusive loopback clients for HTTP tests: connections that send half a request line and then nothing, and
 * connections that trickle their headers a byte at a time. Each socket is watched until the server closes it (or
 * {@code limit} passes), so a test can tell when the server let go. Every loop is bounded by {@code limit}.
 */
public final class SlowClients implements AutoCloseable {
  private final List<Socket> sockets = new ArrayList<>();
  private final List<Future<Duration>> closedAfter = new ArrayList<>();
  private final ExecutorService watchers;
  private final ExecutorService trickler = Executors.newSingleThreadExecutor();
  private final AtomicBoolean stop = new AtomicBoolean();

  /**
   * Opens {@code halfSent} connections that send {@code "GET /he"} and {@code trickling} ones that send a request
   * line and then one header byte every 200 ms, all to {@code 127.0.0.1:port}; each is timed from its own connect.
   */
  public SlowClients(int port, int halfSent, int trickling, Duration limit) throws IOException {
    watchers = Executors.newFixedThreadPool(halfSent + trickling);
    long start = System.nanoTime();
    List<OutputStream> trickled = new ArrayList<>();
    for (int i = 0; i < halfSent + trickling; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      long connected = System.nanoTime();
      s.setSoTimeout((int) limit.toMillis());
      sockets.add(s);
      OutputStream out = s.getOutputStream();
      if (i < halfSent) {
        out.write("GET /he".getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        trickled.add(out);
      }
      out.flush();
      InputStream in = s.getInputStream();
      closedAfter.add(watchers.submit(() -> {
        try {
          byte[] buf = new byte[4096];
          while (in.read(buf) >= 0) {
            // an answer (400/408) may come before the close; the close is what is timed
          }
        } catch (IOException e) {
          // reset or SO_TIMEOUT: timed below as well; a timeout shows as a duration of about `limit`
        }
        return Duration.ofNanos(System.nanoTime() - connected);
      }));
    }
    long end = start + limit.toNanos();
    trickler.submit(() -> {
      byte[] header = "X-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          .getBytes(StandardCharsets.US_ASCII);
      for (int b = 0; b < header.length && !stop.get() && System.nanoTime() < end; b++) {
        for (OutputStream out : trickled) {
          try {
            out.write(header[b]);
            out.flush();
          } catch (IOException closed) {
            // the server closed it: nothing more to trickle there
          }
        }
        try {
          Thread.sleep(200); // the trickle's pace is the point of this client, not a wait for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  /** How many of the connections the server has not closed yet. */
  public long open() {
    return closedAfter.stream().filter(f -> !f.isDone()).count();
  }

  /**
   * Waits until the server has closed every connection (each is given up {@code limit} after its connect); the longest
   * any connection stayed open, from its own connect to its close.
   */
  public Duration awaitAllClosed() throws Exception {
    Duration latest = Duration.ZERO;
    for (Future<Duration> f : closedAfter) {
      Duration d = f.get(60, TimeUnit.SECONDS);
      latest = d.compareTo(latest) > 0 ? d : latest;
    }
    return latest;
  }

  /** This process's open file descriptors (Linux). */
  public static long openFileDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Override
  public void close() throws IOException {
    stop.set(true);
    for (Socket s : sockets) {
      s.close();
    }
    trickler.shutdownNow();
    watchers.shutdownNow();
  }
}
