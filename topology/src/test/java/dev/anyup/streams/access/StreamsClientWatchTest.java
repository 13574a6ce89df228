package dev.anyup.streams.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamsClientWatchTest {
  private final StreamsClientWatch watch = new StreamsClientWatch("the retrieval index of emb",
      AccessContext.of(props(), Set.of("emb"), Set.of(), "anyup-retrieval"));

  private static Properties props() {
    Properties p = new Properties();
    p.put("bootstrap.servers", "broker:9093");
    p.put("sasl.jaas.config", "x required username=\"serve\" password=\"p\";");
    return p;
  }

  @Test
  void aRefusedReadOfTheEmbeddingsTopicIsRememberedWithTheAclToAdd() {
    assertEquals(Optional.empty(), watch.stopped());
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        watch.handle(new StreamsException(new TopicAuthorizationException(Set.of("emb")))));
    String why = watch.stopped().orElseThrow();
    assertTrue(why.startsWith("the retrieval index of emb stopped: not authorized: User:serve")
        && why.contains("--operation READ --operation DESCRIBE --topic emb"), why);
  }

  @Test
  void anyOtherDeathIsRememberedWithItsRootCause() {
    watch.handle(new StreamsException("task failed", new IllegalStateException("store closed")));
    assertEquals("the retrieval index of emb stopped: its Kafka Streams client failed: task failed: "
        + "IllegalStateException: store closed",
        watch.stopped().orElseThrow());
  }

  @Test
  void aWrapperThatRepeatsItsCauseIsSaidOnceAndADeepChainKeepsItsEnds() {
    org.apache.kafka.common.KafkaException load = new org.apache.kafka.common.KafkaException(
        "Failed to load SSL keystore /x.p12 of type PKCS12", new java.nio.file.NoSuchFileException("/x.p12"));
    Throwable chain = new org.apache.kafka.common.KafkaException("Failed to construct kafka consumer",
        new org.apache.kafka.common.KafkaException("Failed to create new NetworkClient",
            new org.apache.kafka.common.KafkaException(load)));
    assertEquals("Failed to construct kafka consumer: Failed to load SSL keystore /x.p12 of type PKCS12: "
        + "NoSuchFileException: /x.p12", AccessFailure.rootMessage(chain));
    assertEquals(AccessFailure.Kind.CONFIGURATION, AccessFailure.of(chain, AccessContext.of(props(), Set.of(),
        Set.of(), "a")).orElseThrow().kind());
  }

  @Test
  void rootMessageKeepsTheCauseThatSaysWhy() {
    assertEquals("Failed to create new KafkaAdminClient: Failed to load SSL keystore: IOException: Keystore was "
        + "tampered with, or password was incorrect", AccessFailure.rootMessage(new RuntimeException(
            "Failed to create new KafkaAdminClient", new RuntimeException("Failed to load SSL keystore",
                new java.io.IOException("Keystore was tampered with, or password was incorrect")))));
  }
}
