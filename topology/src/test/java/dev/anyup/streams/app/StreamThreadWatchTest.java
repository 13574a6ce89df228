package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.access.AccessFailure;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadWatchTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger fatalCalls = new AtomicInteger();
  private final StreamThreadWatch watch = new StreamThreadWatch(registry, Duration.ofSeconds(120), now::get,
      fatalCalls::incrementAndGet);

  @Test
  void aThreadDyingInALoopIsReplacedCountedAndKeepsTheInstanceUnreadyUntilTheWindowPasses() {
    assertFalse(watch.recentlyReplaced());
    for (int i = 0; i < 3; i++) {
      assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
          watch.handle(new StreamsException(new IllegalStateException("poison record"))));
      now.addAndGet(Duration.ofSeconds(45).toNanos()); // the loop period seen in issue 10
      assertTrue(watch.recentlyReplaced(), "still unready " + (i + 1) + " deaths in");
    }
    assertEquals(3, watch.replacements());
    assertTrue(registry.scrape().contains("anyup_stream_thread_replacements_total 3.0"), registry.scrape());
    now.addAndGet(Duration.ofSeconds(76).toNanos());
    assertFalse(watch.recentlyReplaced(), "ready again once no thread died for the whole window");
    assertEquals(0, fatalCalls.get());
    assertNull(watch.fatal());
  }

  @Test
  void anOutOfMemoryErrorShutsTheClientDownAsFatalAndIsNotARecordFailure() {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new StreamsException(oom)));
    assertSame(oom, watch.fatal());
    assertEquals(1, fatalCalls.get());
    assertEquals(0, watch.replacements(), "not counted as a thread replacement");
  }

  @Test
  void everyVirtualMachineErrorIsFatal() {
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new StackOverflowError()));
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, watch.handle(new InternalError("jvm")));
  }

  @Test
  void otherErrorsReplaceTheThread() {
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, watch.handle(new LinkageError("bad class")));
    assertNull(watch.fatal());
  }

  private StreamThreadWatch secured() {
    Properties props = new Properties();
    props.put("bootstrap.servers", "broker:9093");
    props.put("sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"anyup\" password=\"s3cr3t-pw\";");
    return new StreamThreadWatch(registry, Duration.ofSeconds(120), now::get, fatalCalls::incrementAndGet,
        AccessContext.of(props, Set.of("images"), Set.of("images.dense", "images.dlq"), "anyup"));
  }

  @Test
  void aMissingWriteAclOnTheDeadLetterTopicStopsTheClientOnceAndNamesTheAclInsteadOfReplacingThreads() {
    StreamThreadWatch w = secured();
    StreamsException death = new StreamsException("Error encountered sending record to topic images.dlq",
        new TopicAuthorizationException(Set.of("images.dlq")));
    for (int i = 0; i < 3; i++) { // every stream thread dies of it
      assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, w.handle(death));
    }
    assertEquals(0, w.replacements(), "no thread replacement loop");
    assertEquals(1, fatalCalls.get(), "stopped once");
    assertEquals(StreamThreadWatch.ACCESS_EXIT_CODE, w.exitCode());
    assertEquals(AccessFailure.Kind.AUTHORIZATION, w.accessFailure().kind());
    String why = w.stoppedBecause();
    assertTrue(why.contains("User:anyup") && why.contains("--allow-principal User:anyup")
        && why.contains("--operation WRITE") && why.contains("--topic images.dlq")
        && why.contains("--bootstrap-server broker:9093"), why);
    assertFalse(why.contains("s3cr3t-pw"), "the password is never part of it: " + why);
  }

  @Test
  void aMissingReadAclOnTheInputNamesReadAndTheGroupAndTransactionalIdAndClusterAclsAreNamed() {
    assertTrue(describe(new TopicAuthorizationException(Set.of("images"))).contains("--operation READ --operation "
        + "DESCRIBE --topic images"));
    assertTrue(describe(GroupAuthorizationException.forGroupId("anyup")).contains("--group anyup"));
    String txn = describe(new TransactionalIdAuthorizationException("Transactional Id authorization failed."));
    assertTrue(txn.contains("--transactional-id anyup --resource-pattern-type prefixed"), txn);
    assertTrue(describe(new ClusterAuthorizationException("Cluster authorization failed.")).contains("--cluster"));
  }

  @Test
  void rejectedCredentialsAreAnAuthenticationFailureAndAnUntrustedCertificateIsNamedSeparately() {
    String sasl = describe(new SaslAuthenticationException("Authentication failed during authentication due to "
        + "invalid credentials with SASL mechanism SCRAM-SHA-512"));
    assertTrue(sasl.startsWith("authentication failed: the broker rejected the SASL credentials of User:anyup"),
        sasl);
    String tls = describe(new SslAuthenticationException("SSL handshake failed",
        new javax.net.ssl.SSLHandshakeException("PKIX path building failed")));
    assertTrue(tls.contains("TLS handshake") && tls.contains("PKIX path building failed")
        && tls.contains("ssl.truststore.location"), tls);
    assertTrue(describe(new ConfigException("Invalid value x for configuration sasl.mechanism"))
        .startsWith("invalid Kafka client configuration: Invalid value x"));
  }

  @Test
  void transientClientErrorsStillReplaceTheThread() {
    StreamThreadWatch w = secured();
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
        w.handle(new StreamsException(new TimeoutException("Expiring 3 record(s)"))));
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
        w.handle(new StreamsException(new DisconnectException("broker went away"))));
    assertNull(w.stoppedBecause());
    assertEquals(0, w.exitCode());
  }

  private String describe(Exception cause) {
    StreamThreadWatch w = secured();
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, w.handle(new StreamsException(cause)));
    return w.stoppedBecause();
  }
}
