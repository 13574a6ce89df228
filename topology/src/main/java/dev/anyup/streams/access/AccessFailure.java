package dev.anyup.streams.access;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * A Kafka client failure that retrying cannot heal: a missing ACL, credentials or a certificate the broker rejects,
 * an invalid client setting. Kafka Streams would replace a stream thread that dies of one forever (each replacement
 * fails the same way, a stack trace each time, the instance still "alive"); the right response is to stop and say,
 * in one line, what is missing: the principal, the resource, the operation, and the {@code kafka-acls} command that
 * grants it. Everything else (a broker restarting, a timeout, a rebalance) is transient and is not one of these.
 *
 * @param kind what failed
 * @param message one line for the log and {@code /health}: what was refused or rejected, and the fix
 */
public record AccessFailure(Kind kind, String message) {
  /** The kind of unrecoverable failure. */
  public enum Kind {
    /** The broker's authorizer denied an operation (an ACL is missing). */
    AUTHORIZATION,
    /** The broker rejected the credentials (SASL) or the TLS handshake failed (certificate, trust). */
    AUTHENTICATION,
    /** A client setting is invalid. */
    CONFIGURATION
  }

  /** The first unrecoverable failure in {@code e}'s cause chain, or empty when {@code e} is transient. */
  public static Optional<AccessFailure> of(Throwable e, AccessContext ctx) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthorizationException a) {
        return Optional.of(new AccessFailure(Kind.AUTHORIZATION, authorization(a, ctx)));
      }
      if (t instanceof SaslAuthenticationException) {
        return Optional.of(new AccessFailure(Kind.AUTHENTICATION, "authentication failed: the broker rejected the "
            + "SASL credentials of " + ctx.principalOrPlaceholder() + " (" + rootMessage(t) + "); check the user "
            + "name, password and mechanism in sasl.jaas.config / sasl.mechanism"));
      }
      if (t instanceof SslAuthenticationException) {
        return Optional.of(new AccessFailure(Kind.AUTHENTICATION, "authentication failed: the TLS handshake with "
            + ctx.bootstrapServers() + " failed (" + rootMessage(t) + "); check ssl.truststore.location and "
            + "ssl.truststore.password (the broker's CA must be trusted)"));
      }
      if (t instanceof AuthenticationException) {
        return Optional.of(new AccessFailure(Kind.AUTHENTICATION, "authentication failed for "
            + ctx.principalOrPlaceholder() + ": " + rootMessage(t)));
      }
      if (t instanceof ConfigException) {
        return Optional.of(new AccessFailure(Kind.CONFIGURATION, "invalid Kafka client configuration: "
            + rootMessage(t)));
      }
    }
    // a TLS store that cannot be read (missing file, wrong password, wrong type) fails the client's construction
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.apache.kafka.common.KafkaException && t.getMessage() != null
          && t.getMessage().contains("Failed to load SSL keystore")) {
        return Optional.of(new AccessFailure(Kind.CONFIGURATION, "invalid TLS settings: " + rootMessage(t)
            + "; check ssl.truststore.location, ssl.truststore.password and ssl.truststore.type (and ssl.keystore.* "
            + "for mutual TLS)"));
      }
    }
    return Optional.empty();
  }

  private static String authorization(AuthorizationException a, AccessContext ctx) {
    String p = ctx.principalOrPlaceholder();
    String acls = "kafka-acls --bootstrap-server " + ctx.bootstrapServers()
        + " --command-config admin.properties --add --allow-principal " + p;
    if (a instanceof TopicAuthorizationException t && !t.unauthorizedTopics().isEmpty()) {
      StringBuilder out = new StringBuilder("not authorized: " + p + " may not use topic(s) "
          + new TreeSet<>(t.unauthorizedTopics()) + "; add the ACL(s):");
      String sep = " ";
      for (String topic : new TreeSet<>(t.unauthorizedTopics())) {
        out.append(sep).append(acls).append(topicAcl(topic, ctx));
        sep = " ; ";
      }
      return out.toString();
    }
    if (a instanceof TopicAuthorizationException) {
      return "not authorized: " + p + " was refused a topic operation (" + a.getMessage() + "); the topics this "
          + "process reads need READ and DESCRIBE, those it writes WRITE and DESCRIBE: reads " + ctx.reads()
          + ", writes " + ctx.writes();
    }
    if (a instanceof GroupAuthorizationException g) {
      String group = g.groupId() != null ? g.groupId() : ctx.applicationId();
      return "not authorized: " + p + " may not READ consumer group '" + group + "'; add the ACL: " + acls
          + " --operation READ --operation DESCRIBE --group " + group;
    }
    if (a instanceof TransactionalIdAuthorizationException) {
      return "not authorized: " + p + " may not WRITE transactional ids starting with '" + ctx.applicationId()
          + "' (exactly-once producers); add the ACL: " + acls + " --operation WRITE --operation DESCRIBE "
          + "--transactional-id " + ctx.applicationId() + " --resource-pattern-type prefixed";
    }
    if (a instanceof ClusterAuthorizationException) {
      // since Kafka 3.0 an idempotent producer is refused the cluster when it may WRITE no topic at all
      return "not authorized: " + p + " was refused a cluster operation (" + a.getMessage() + "); a producer needs "
          + "WRITE on the topics it writes" + (ctx.writes().isEmpty() ? "" : " " + new TreeSet<>(ctx.writes()))
          + " (or add: " + acls + " --operation IDEMPOTENT_WRITE --cluster)";
    }
    return "not authorized: " + p + ": " + rootMessage(a);
  }

  private static String topicAcl(String topic, AccessContext ctx) {
    if (ctx.writes().contains(topic)) {
      return " --operation WRITE --operation DESCRIBE --topic " + topic;
    }
    if (ctx.reads().contains(topic)) {
      return " --operation READ --operation DESCRIBE --topic " + topic;
    }
    if (topic.startsWith(ctx.applicationId() + "-")) {
      return " --operation ALL --topic " + ctx.applicationId() + " --resource-pattern-type prefixed";
    }
    return " --operation READ --operation WRITE --operation DESCRIBE --topic " + topic;
  }

  /**
   * The cause chain in one line, outermost first: each message once (a wrapper that only repeats its cause's message
   * is left out), the root cause with its type when that is not Kafka's own (a bare path says little without
   * "NoSuchFileException"), at most the outermost and the two innermost; so that a wrapper's "Failed to create new
   * KafkaAdminClient" keeps the root cause that says why.
   */
  public static String rootMessage(Throwable e) {
    java.util.List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable t = e; t != null && chain.size() < 32; t = t.getCause() == t ? null : t.getCause()) {
      chain.add(t);
    }
    java.util.List<String> msgs = new java.util.ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      Throwable t = chain.get(i);
      String m = t.getMessage();
      if (i == chain.size() - 1 && !t.getClass().getName().startsWith("org.apache.kafka.")) {
        m = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
      }
      if (m == null || m.isBlank()) {
        continue;
      }
      // new KafkaException(cause) takes cause.toString() as its message: nothing of its own to say
      boolean repeatsCause = i + 1 < chain.size() && m.equals(chain.get(i + 1).toString());
      if (!repeatsCause && !msgs.contains(m)) {
        msgs.add(m);
      }
    }
    if (msgs.isEmpty()) {
      return e.getClass().getSimpleName();
    }
    if (msgs.size() > 3) {
      msgs = java.util.List.of(msgs.get(0), msgs.get(msgs.size() - 2), msgs.get(msgs.size() - 1));
    }
    return String.join(": ", msgs);
  }
}
