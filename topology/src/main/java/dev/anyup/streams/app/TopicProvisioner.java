package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup check for topics: creates the missing ones (partitions and replication from config; output and dead-letter
 * topics with {@code max.message.bytes} sized to their records) and refuses to start when an existing output topic
 * cannot hold the configured record.
 */
final class TopicProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
  private static final long TIMEOUT_S = 60;

  private TopicProvisioner() {}

  /** Creates the input topic if missing; returns its {@code max.message.bytes}. */
  static long ensureInput(Admin admin, AppConfig cfg) {
    return call(cfg, () -> {
      create(admin, cfg, Map.of(cfg.topics().input(), Map.of()));
      return maxMessageBytes(admin, cfg.topics().input());
    });
  }

  /**
   * Creates missing output topics with {@code max.message.bytes} from {@code outputBytes} and the dead-letter topic
   * with {@code deadLetterBytes} (and {@code frames.skipped.topic} when set); refuses to start when an existing output
   * topic is too small for its records.
   */
  static void ensureOutputs(Admin admin, AppConfig cfg, Map<String, Long> outputBytes, long deadLetterBytes) {
    call(cfg, () -> {
      Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
      outputBytes.forEach((t, b) -> wanted.put(t, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(b))));
      wanted.put(cfg.topics().dlq(), Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(deadLetterBytes)));
      if (cfg.frames().publishesSkipped()) {
        wanted.put(cfg.frames().skippedTopic(), Map.of()); // small JSON records: broker defaults fit
      }
      create(admin, cfg, wanted);
      for (Map.Entry<String, Long> e : outputBytes.entrySet()) {
        long actual = maxMessageBytes(admin, e.getKey());
        if (actual < e.getValue()) {
          throw new StartupException("topic " + e.getKey() + " has max.message.bytes=" + actual
              + " but its configured records need " + e.getValue() + " bytes; raise the topic's max.message.bytes "
              + "or lower output.dense.size / output.dense.dtype / use output.projection");
        }
      }
      long dlqActual = maxMessageBytes(admin, cfg.topics().dlq());
      if (dlqActual < deadLetterBytes) {
        LOG.warn("dead-letter topic {} has max.message.bytes={} < {}: the largest inputs cannot be dead-lettered",
            cfg.topics().dlq(), dlqActual, deadLetterBytes);
      }
      return null;
    });
  }

  /**
   * Creates the concepts topic ({@code segmentation.concepts.topic}) if missing: compacted (the latest record per
   * concept name is its definition, a tombstone deletes it) and with ONE partition, so that its offsets order every
   * change and the concept-set version (the offset one past the last record applied) means the same on every
   * instance. Refuses to start when it exists with more partitions; warns when it is not compacted.
   */
  static void ensureConcepts(Admin admin, AppConfig cfg) {
    String topic = cfg.segmentation().conceptsTopic();
    call(cfg, () -> {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
      if (!existing.contains(topic)) {
        NewTopic t = new NewTopic(topic, 1, cfg.topics().replication())
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        LOG.info("creating the concepts topic {}", t);
        try {
          admin.createTopics(List.of(t)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      int partitions = partitionsOnceVisible(admin, topic);
      if (partitions != 1) {
        throw new StartupException("segmentation.concepts.topic " + topic + " has " + partitions + " partitions but "
            + "must have exactly 1 (its offsets are the concept-set versions, a total order of every change)");
      }
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      String policy = admin.describeConfigs(List.of(r)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(r)
          .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
      if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        LOG.warn("segmentation.concepts.topic {} has cleanup.policy={}: concepts older than its retention will be "
            + "lost; it should be compact", topic, policy);
      }
      return null;
    });
  }

  /**
   * The topic's partition count, retried while the broker does not describe it yet: right after a create, a broker
   * can answer UNKNOWN_TOPIC_OR_PARTITION until its metadata has the new topic (seen on a fresh broker in tests).
   */
  private static int partitionsOnceVisible(Admin admin, String topic)
      throws ExecutionException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (true) {
      try {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).get(topic)
            .partitions().size();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private interface AdminCall<T> {
    T run() throws ExecutionException, InterruptedException, TimeoutException;
  }

  private static <T> T call(AppConfig cfg, AdminCall<T> c) {
    try {
      return c.run();
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new StartupException("cannot list, create or describe topics on " + cfg.bootstrapServers() + ": "
          + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while checking topics", e);
    }
  }

  private static void create(Admin admin, AppConfig cfg, Map<String, Map<String, String>> topics)
      throws ExecutionException, InterruptedException, TimeoutException {
    Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
    List<NewTopic> create = new ArrayList<>();
    topics.forEach((name, configs) -> {
      if (!existing.contains(name)) {
        create.add(new NewTopic(name, cfg.topics().partitions(), cfg.topics().replication()).configs(configs));
      }
    });
    if (create.isEmpty()) {
      return;
    }
    LOG.info("creating topics {}", create);
    try {
      admin.createTopics(create).all().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  /** The number of partitions of the input topic (which bounds how many stream threads in the group have work). */
  static int inputPartitions(Admin admin, AppConfig cfg) {
    return call(cfg, () -> admin.describeTopics(List.of(cfg.topics().input())).allTopicNames()
        .get(TIMEOUT_S, TimeUnit.SECONDS).get(cfg.topics().input()).partitions().size());
  }

  /** The broker/topic {@code max.message.bytes} of {@code topic}. */
  static long maxMessageBytes(Admin admin, String topic) throws ExecutionException, InterruptedException,
      TimeoutException {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    // a topic created a moment ago may not have reached every broker's metadata yet
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (true) {
      try {
        Config c = admin.describeConfigs(List.of(r)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(r);
        return Long.parseLong(c.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }
}
