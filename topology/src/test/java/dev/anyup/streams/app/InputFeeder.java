package dev.anyup.streams.app;

import dev.anyup.streams.topology.TestImages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Feeds the app's input at a steady rate on its own thread until told to stop: one small PNG every
 * {@code intervalMs}, round-robin over the partitions, ids {@code img-N}; every seventh is a truncated PNG, which must
 * become a dead letter. The producer (idempotent, {@code acks=all}) buffers and retries through broker outages;
 * {@link #outcome} says which inputs the broker took.
 */
final class InputFeeder extends Thread {
  private final ItSupport.Client client;
  private final int partitions;
  private final long intervalMs;
  private final AtomicBoolean stop;
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger burst = new AtomicInteger();
  /** id -> (bad?, the send's future), in sending order; guarded by itself. */
  private final Map<String, Map.Entry<Boolean, Future<RecordMetadata>>> sends = new LinkedHashMap<>();

  InputFeeder(ItSupport.Client client, int partitions, long intervalMs, AtomicBoolean stop) {
    super("input-feeder");
    this.client = client;
    this.partitions = partitions;
    this.intervalMs = intervalMs;
    this.stop = stop;
    setDaemon(true);
  }

  /** N of an {@code img-N} id: the order in which it was sent. */
  static int index(String imageId) {
    return Integer.parseInt(imageId.substring(imageId.indexOf('-') + 1));
  }

  /** Asks for {@code n} more inputs back to back (larger images), to give the app a backlog; returns at once. */
  void requestBurst(int n) {
    burst.addAndGet(n);
  }

  /** How many inputs were handed to the producer so far. */
  int sent() {
    return sent.get();
  }

  @Override
  public void run() {
    byte[] image = TestImages.pattern(64, 48, 1, "png");
    byte[] large = TestImages.pattern(320, 240, 2, "png");
    byte[] truncated = TestImages.truncated(image, 0.5);
    for (int i = 0; !stop.get(); i++) {
      int extra = burst.getAndSet(0);
      for (int b = 0; b < extra; b++, i++) {
        send(i, large, truncated);
      }
      send(i, image, truncated);
      try {
        Thread.sleep(intervalMs); // the feed rate itself, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void send(int i, byte[] image, byte[] truncated) {
    String id = "img-" + i;
    boolean bad = i % 7 == 6;
    String source = "cam-" + (i % partitions);
    Future<RecordMetadata> f = client.send(i % partitions, source, client.event(id, source, bad ? truncated : image));
    synchronized (sends) {
      sends.put(id, Map.entry(bad, f));
    }
    sent.incrementAndGet();
  }

  /**
   * After the feeder has stopped: sorts the ids the broker took into good and bad; returns those it refused, each
   * with the reason.
   */
  List<String> outcome(List<String> good, List<String> bad) throws InterruptedException {
    List<String> refused = new ArrayList<>();
    synchronized (sends) {
      for (Map.Entry<String, Map.Entry<Boolean, Future<RecordMetadata>>> e : sends.entrySet()) {
        try {
          e.getValue().getValue().get(150, TimeUnit.SECONDS);
          (e.getValue().getKey() ? bad : good).add(e.getKey());
        } catch (ExecutionException | TimeoutException ex) {
          refused.add(e.getKey() + ": " + ex);
        }
      }
    }
    return refused;
  }
}
