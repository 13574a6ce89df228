package dev.anyup.streams.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The one HTTP layer of the three ports (ops, console, {@code serve}): Jetty 12 underneath, the JDK's
 * {@code com.sun.net.httpserver} handler API on top (Jetty's {@code jetty-http-spi}), so handlers stay plain
 * {@link HttpHandler}s.
 *
 * <p>Why Jetty and not the JDK's server: the JDK server reads a request's headers on a worker thread, so each
 * connection that sends half a request line holds a thread until it goes away (two such sockets stalled the console
 * and the ops port); JDK 17 has no connection cap, and its timeouts ({@code sun.net.httpserver.maxReqTime},
 * {@code idleInterval}) are JVM-global. Jetty parses headers without a thread, so slow clients cost a file
 * descriptor each, not a worker. On top of it this class adds, per port ({@link HttpLimits}):
 * <ul>
 *   <li>a header deadline: a connection whose first request's headers are not complete in time is closed;
 *   <li>a body deadline: reading a request body past it fails, and the handler answers as for any broken body;
 *   <li>an idle timeout (Jetty's), also for a read blocked in the middle of a body;
 *   <li>a connection cap: a connection over it is closed as soon as it is accepted, so excess is refused fast;
 *   <li>a bounded worker pool: at most {@code workers} requests run at once (Jetty's {@code QoSHandler}); the next
 *       ones wait without a thread, at most one per allowed connection and at most {@code queueTimeout}, then are
 *       answered 503; probes ({@link #probe}) bypass that bound on reserved threads, so {@code /health} and
 *       {@code /ready} answer while every worker is busy.
 * </ul>
 * Every route states its methods; another method is answered 405 with {@code Allow}.
 */
public final class BoundedHttpServer implements AutoCloseable {
  /** Threads besides the workers: Jetty's acceptor and selector, and two for probes. */
  private static final int RESERVED_THREADS = 4;

  private final String name;
  private final HttpLimits limits;
  private final Server server;
  private final ServerConnector connector;
  private final JettyHttpServer spi;
  private final Set<String> probes;
  private final ConnectionGuard guard;

  private BoundedHttpServer(String name, HttpLimits limits, Server server, ServerConnector connector,
      JettyHttpServer spi, Set<String> probes, ConnectionGuard guard) {
    this.name = name;
    this.limits = limits;
    this.server = server;
    this.connector = connector;
    this.spi = spi;
    this.probes = probes;
    this.guard = guard;
  }

  /**
   * A server for {@code bind:port} (0 = any free port), not yet listening: add routes, then {@link #start()}.
   *
   * @param name the port's name in thread names and errors, with its configuration keys, e.g. "console
   *     (console.bind, console.port)"
   */
  public static BoundedHttpServer create(String name, String bind, int port, HttpLimits limits) {
    if (bind == null || bind.isBlank()) {
      throw new IllegalArgumentException(name + ": bind address must not be blank but was '" + bind + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + ": port must be in [0, 65535] but was " + port);
    }
    int threads = limits.workers() + RESERVED_THREADS;
    // Jetty's own queue (unbounded by design: its internal jobs must not be rejected); the work is bounded by the
    // threads and the worker permits
    QueuedThreadPool pool = new QueuedThreadPool(threads, 2);
    pool.setName("anyup-http-" + shortName(name));
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    Server server = new Server(pool);
    // like the JDK server's stop(0): close at once, no graceful wait for keep-alive connections
    server.setStopTimeout(0);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(bind);
    connector.setPort(port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(64);
    ConnectionGuard guard = new ConnectionGuard(limits, server.getScheduler());
    connector.addEventListener(guard);
    server.addConnector(connector);
    Set<String> probes = ConcurrentHashMap.newKeySet();
    QoSHandler workers = new QoSHandler(new ContextHandlerCollection());
    workers.setMaxRequestCount(limits.workers());
    workers.setMaxSuspendedRequestCount(limits.maxConnections());
    workers.setMaxSuspend(limits.queueTimeout());
    workers.setRejectStatusCode(503);
    workers.exclude(request -> probes.contains(request.getHttpURI().getPath()));
    server.setHandler(workers);
    return new BoundedHttpServer(name, limits, server, connector, new JettyHttpServer(server, true), probes, guard);
  }

  /**
   * Serves {@code path} and the paths below it (by segment: {@code /internal/} and {@code /internal} both serve
   * {@code /internal/vector}) with {@code handler} for the given methods, within the worker bound.
   */
  public BoundedHttpServer route(String path, Set<String> methods, HttpHandler handler) {
    Set<String> allowed = Set.copyOf(methods);
    if (allowed.isEmpty()) {
      throw new IllegalArgumentException(name + ": route " + path + " must allow at least one method");
    }
    String allow = String.join(", ", new TreeSet<>(allowed));
    spi.createContext(contextPath(path), ex -> {
      try (ex) {
        if (!allowed.contains(ex.getRequestMethod())) {
          ex.getResponseHeaders().set("Allow", allow);
          plain(ex, 405, ex.getRequestMethod() + " is not served on " + path + " (allowed: " + allow + ")\n");
          return;
        }
        ex.setStreams(new DeadlineInputStream(ex.getRequestBody(),
            System.nanoTime() + limits.bodyTimeout().toNanos(), limits), null);
        handler.handle(ex);
      }
    });
    return this;
  }

  /** Serves a probe ({@code /health}, {@code /ready}): GET and HEAD only, outside the worker bound. */
  public BoundedHttpServer probe(String path, HttpHandler handler) {
    probes.add(path);
    spi.createContext(contextPath(path), ex -> {
      try (ex) {
        String m = ex.getRequestMethod();
        if (!m.equals("GET") && !m.equals("HEAD")) {
          ex.getResponseHeaders().set("Allow", "GET, HEAD");
          plain(ex, 405, m + " is not served on " + path + " (allowed: GET, HEAD)\n");
          return;
        }
        handler.handle(ex);
      }
    });
    return this;
  }

  /**
   * Binds the port without answering yet (connections wait in the backlog until {@link #start()}), so a caller can
   * learn the port ({@link #port()}) before its routes can answer; an address that cannot be bound is an error naming
   * it and this port's keys.
   */
  public BoundedHttpServer bind() {
    try {
      connector.open();
    } catch (IOException e) {
      throw new UncheckedIOException(new IOException("cannot bind the " + name + " to " + connector.getHost() + ":"
          + connector.getPort() + ": " + e.getMessage(), e));
    }
    return this;
  }

  /** Starts listening (binding first unless {@link #bind()} did); a bind failure is as for {@link #bind()}. */
  public BoundedHttpServer start() {
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException(new IOException("cannot bind the " + name + " to " + connector.getHost() + ":"
          + connector.getPort() + ": " + e.getMessage(), e));
    }
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The bound address and port. */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), port());
  }

  /** Connections closed at accept because {@link HttpLimits#maxConnections()} were open. */
  public long refusedConnections() {
    return guard.refused.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return guard.open.get();
  }

  @Override
  public void close() {
    try {
      server.stop();
      connector.close(); // a port bound by bind() but never started: stop() leaves it open
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the " + name + ": " + e.getMessage(), e);
    }
  }

  private static void plain(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  /** Jetty matches a context by path segments, and a context path has no trailing slash. */
  private static String contextPath(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("a route's path must start with '/' but was '" + path + "'");
    }
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static String shortName(String name) {
    int space = name.indexOf(' ');
    return space < 0 ? name : name.substring(0, space);
  }

  /** Counts connections, closes those over the cap at once, and those whose first headers miss the deadline. */
  private static final class ConnectionGuard implements Connection.Listener {
    final AtomicInteger open = new AtomicInteger();
    final AtomicLong refused = new AtomicLong();
    private final HttpLimits limits;
    private final Scheduler scheduler;

    ConnectionGuard(HttpLimits limits, Scheduler scheduler) {
      this.limits = limits;
      this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
      if (open.incrementAndGet() > limits.maxConnections()) {
        refused.incrementAndGet();
        connection.close();
        return;
      }
      scheduler.schedule(() -> {
        // Jetty's HTTP/1 connection counts a request in when its headers are complete
        if (connection.getMessagesIn() == 0) {
          connection.close();
        }
      }, limits.headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onClosed(Connection connection) {
      open.decrementAndGet();
    }
  }

  /** A request body that fails once its deadline has passed (a trickled upload holds a worker until then). */
  private static final class DeadlineInputStream extends FilterInputStream {
    private final long deadlineNanos;
    private final HttpLimits limits;

    DeadlineInputStream(InputStream in, long deadlineNanos, HttpLimits limits) {
      super(in);
      this.deadlineNanos = deadlineNanos;
      this.limits = limits;
    }

    private void check() throws IOException {
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new IOException("request body not complete within " + limits.bodyTimeout().toMillis() + " ms");
      }
    }

    @Override
    public int read() throws IOException {
      check();
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return super.read(b, off, len);
    }
  }
}
