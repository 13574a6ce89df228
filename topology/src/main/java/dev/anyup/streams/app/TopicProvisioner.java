package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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

  /** Ensures every topic exists and fits; {@code maxMessageBytes} per topic name (absent: broker default). */
  static void ensure(Admin admin, AppConfig cfg, Map<String, Long> maxMessageBytes) {
    AppConfig.Topics t = cfg.topics();
    List<String> wanted = new ArrayList<>(List.of(t.input(), t.dlq()));
    if (cfg.output().denseEnabled()) {
      wanted.add(t.dense());
    }
    if (cfg.output().embeddingsEnabled()) {
      wanted.add(t.embeddings());
    }
    try {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
      List<NewTopic> create = new ArrayList<>();
      for (String name : wanted) {
        if (!existing.contains(name)) {
          NewTopic nt = new NewTopic(name, t.partitions(), t.replication());
          Long bytes = maxMessageBytes.get(name);
          if (bytes != null) {
            nt.configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(bytes)));
          }
          create.add(nt);
        }
      }
      if (!create.isEmpty()) {
        LOG.info("creating topics {}", create);
        try {
          admin.createTopics(create).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      checkExisting(admin, wanted, maxMessageBytes);
    } catch (ExecutionException | TimeoutException e) {
      Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new StartupException("cannot list or create topics " + wanted + " on " + cfg.bootstrapServers() + ": "
          + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while creating topics", e);
    }
  }

  /** The broker/topic {@code max.message.bytes} of {@code topic}. */
  static long maxMessageBytes(Admin admin, String topic) throws ExecutionException, InterruptedException,
      TimeoutException {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config c = admin.describeConfigs(List.of(r)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(r);
    return Long.parseLong(c.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
  }

  private static void checkExisting(Admin admin, Collection<String> topics, Map<String, Long> need)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<String, Long> actual = new HashMap<>();
    for (String topic : topics) {
      if (need.containsKey(topic)) {
        actual.put(topic, maxMessageBytes(admin, topic));
      }
    }
    for (Map.Entry<String, Long> e : actual.entrySet()) {
      long required = need.get(e.getKey());
      if (e.getValue() < required) {
        throw new StartupException("topic " + e.getKey() + " has max.message.bytes=" + e.getValue()
            + " but the configured records need " + required + " bytes; raise the topic's max.message.bytes "
            + "or lower output.dense.size / output.dense.dtype / use output.projection");
      }
    }
  }
}
