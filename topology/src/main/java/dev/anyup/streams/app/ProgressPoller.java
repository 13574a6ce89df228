package dev.anyup.streams.app;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, every {@code interval}, which input partitions this instance's active tasks own (Kafka Streams' thread
 * metadata), the group's committed offsets and the partitions' end offsets (an admin client), and feeds
 * {@link CommittedProgress}. Committed offsets come from the broker, so they count only work whose transaction
 * committed. Also writes the one INFO line per assignment change ({@link #logAssignment()}).
 */
final class ProgressPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressPoller.class);

  private final KafkaStreams streams;
  private final Admin admin;
  private final String groupId;
  private final String inputTopic;
  private final CommittedProgress progress;
  private final ScheduledExecutorService executor;
  private final java.util.function.Supplier<java.util.Optional<String>> outages;
  private Set<String> lastTasks = Set.of();
  private boolean failing;
  private int failures;

  /**
   * @param outages the servers known to be unreachable ({@link OutageWatch#outages}): while the broker is down, the
   *     failing reads are its consequence, already logged there, and are not logged again here
   */
  ProgressPoller(KafkaStreams streams, Admin admin, String groupId, String inputTopic, CommittedProgress progress,
      java.util.function.Supplier<java.util.Optional<String>> outages) {
    this.outages = outages;
    this.streams = streams;
    this.admin = admin;
    this.groupId = groupId;
    this.inputTopic = inputTopic;
    this.progress = progress;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "anyup-progress");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Reads where the group's committed offsets stand before Kafka Streams starts, so that
   * {@code anyup.input.records.committed} counts from the first commit; a failure is logged and leaves the count
   * starting at the first poll, as before.
   */
  void readStartingPoint() {
    try {
      Map<TopicPartition, Long> at = new HashMap<>();
      int partitions = admin.describeTopics(List.of(inputTopic)).allTopicNames().get(10, TimeUnit.SECONDS)
          .get(inputTopic).partitions().size();
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        earliest.put(new TopicPartition(inputTopic, p), OffsetSpec.earliest());
      }
      admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> at.put(tp, info.offset()));
      admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
          .forEach((tp, o) -> {
            if (o != null && at.containsKey(tp)) {
              at.put(tp, o.offset());
            }
          });
      progress.startedFrom(at);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("cannot read where group {} starts (anyup.input.records.committed counts from the first poll): {}",
          groupId, e.getCause() != null ? e.getCause() : e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void start(Duration interval) {
    executor.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    try {
      Set<TopicPartition> owned = owned();
      Map<TopicPartition, Long> committed = new HashMap<>();
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      offsets.forEach((tp, o) -> {
        if (o != null) {
          committed.put(tp, o.offset());
        }
      });
      Map<TopicPartition, Long> end = new HashMap<>();
      if (!owned.isEmpty()) {
        admin.listOffsets(owned.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
            .all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
      }
      progress.update(owned, committed, end, System.nanoTime());
      failures = 0;
      if (failing) {
        LOG.debug("reading committed offsets works again");
        failing = false;
      }
    } catch (IllegalStateException e) {
      // Kafka Streams is not running or rebalancing (starting, shutting down): nothing to read
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // one failed poll is not worth a line (a slow answer on a loaded machine, or the first sign of an outage that
      // the outage watch names a probe later); the second in a row is, unless the watch already said why
      if (!failing && ++failures >= 2) {
        // the cause as text: a Throwable as the last argument would be logged as a stack trace
        String why = String.valueOf(e.getCause() != null ? e.getCause() : e);
        if (outages.get().isPresent()) {
          LOG.debug("cannot read committed offsets of group {} during an outage: {}", groupId, why);
        } else {
          LOG.warn("cannot read committed offsets of group {} (retrying every poll; /ready keeps the last known "
              + "progress): {}", groupId, why);
        }
        failing = true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Set<TopicPartition> owned() {
    return streams.metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
        .flatMap(task -> task.topicPartitions().stream()).filter(tp -> tp.topic().equals(inputTopic))
        .collect(Collectors.toSet());
  }

  /**
   * Logs the active tasks once per assignment change (called on every transition to RUNNING; a rebalance that
   * changed nothing for this instance logs at DEBUG).
   */
  synchronized void logAssignment() {
    try {
      Set<String> tasks = new TreeSet<>();
      Set<ThreadMetadata> threads = streams.metadataForLocalThreads();
      threads.forEach(t -> t.activeTasks().forEach(task -> tasks.add(task.taskId().toString())));
      if (tasks.equals(lastTasks)) {
        LOG.debug("rebalance done, active tasks unchanged: {}", tasks);
        return;
      }
      Set<String> added = new TreeSet<>(tasks);
      added.removeAll(lastTasks);
      Set<String> removed = new TreeSet<>(lastTasks);
      removed.removeAll(tasks);
      LOG.info("assignment changed: {} active task(s) {} on {} stream thread(s) (added {}, removed {})",
          tasks.size(), tasks, threads.size(), added, removed);
      lastTasks = tasks;
    } catch (RuntimeException e) {
      LOG.debug("cannot read the assignment", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
