package dev.anyup.streams.access;

import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process reads and writes on the cluster, so that a refused operation can be named with the ACL that allows
 * it: topics it reads, topics it writes, its consumer group and transactional-id prefix (both the Kafka Streams
 * {@code application.id}), and its principal when the client configuration says it (the SASL user name).
 *
 * @param principal {@code User:name}, or empty when the configuration does not say (mutual TLS, Kerberos)
 * @param bootstrapServers for the {@code kafka-acls} command line
 * @param reads topics read (READ on the topic)
 * @param writes topics written (WRITE on the topic)
 * @param applicationId the group id and the prefix of internal topics and transactional ids
 */
public record AccessContext(Optional<String> principal, String bootstrapServers, Set<String> reads,
    Set<String> writes, String applicationId) {
  private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

  public AccessContext {
    Objects.requireNonNull(principal, "principal must not be null (Optional.empty() when unknown)");
    Objects.requireNonNull(bootstrapServers, "bootstrap servers must not be null");
    reads = Set.copyOf(reads);
    writes = Set.copyOf(writes);
    Objects.requireNonNull(applicationId, "application id must not be null");
  }

  /**
   * The context of a client configured by {@code props}: the principal is the {@code username} of its
   * {@code sasl.jaas.config} (a user name is not a secret; the password is never read).
   */
  public static AccessContext of(Properties props, Set<String> reads, Set<String> writes, String applicationId) {
    Object jaas = props.get("sasl.jaas.config");
    Optional<String> principal = Optional.empty();
    if (jaas != null) {
      Matcher m = JAAS_USER.matcher(jaas.toString());
      if (m.find()) {
        principal = Optional.of("User:" + m.group(1));
      }
    }
    Object bootstrap = props.get("bootstrap.servers");
    return new AccessContext(principal, bootstrap != null ? bootstrap.toString() : "<bootstrap servers>", reads,
        writes, applicationId);
  }

  /** The principal, or a placeholder that says it must be filled in. */
  String principalOrPlaceholder() {
    return principal.orElse("User:<this client's principal>");
  }
}
