package dev.anyup.streams.serdes;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;

/**
 * Typed, validated Schema Registry client and serde settings, built from Confluent's config keys
 * ({@link #fromMap}) so that a Confluent serde configuration works unchanged.
 *
 * @param urls registry base URLs, tried in order on failure; a single {@code mock://scope} URL selects the
 *     in-memory registry shared by everything configured with that scope (unit tests only)
 * @param autoRegisterSchemas serializers register the record's schema ({@code auto.register.schemas})
 * @param useLatestVersion serializers write with the subject's latest schema ({@code use.latest.version})
 * @param keySubjectNameStrategy subject naming for keys
 * @param valueSubjectNameStrategy subject naming for values
 * @param basicAuthUserInfo {@code user:password} for HTTP basic auth, or null
 * @param bearerToken token for {@code Authorization: Bearer}, or null
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout time allowed for a whole response
 * @param maxRetries retries after the first attempt on I/O errors and 5xx responses
 * @param retryBackoff wait before the first retry, doubled on each further retry
 * @param maxRetryBackoff cap on the wait between retries
 * @param avroMaxLength deserializers refuse an Avro bytes/string value or collection block that declares more than
 *     this ({@code avro.max.length}; default {@link #DEFAULT_AVRO_MAX_LENGTH}, Avro's own cap), before allocating it
 */
public record SchemaRegistryConfig(
    List<URI> urls,
    boolean autoRegisterSchemas,
    boolean useLatestVersion,
    SubjectNameStrategy keySubjectNameStrategy,
    SubjectNameStrategy valueSubjectNameStrategy,
    String basicAuthUserInfo,
    String bearerToken,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxRetries,
    Duration retryBackoff,
    Duration maxRetryBackoff,
    long avroMaxLength) {

  public static final String URL = "schema.registry.url";
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  public static final String USE_LATEST_VERSION = "use.latest.version";
  public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
  public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  /** Older Confluent spelling of {@link #BASIC_AUTH_USER_INFO}, still accepted. */
  public static final String LEGACY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
  public static final String BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source";
  public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
  public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";
  public static final String MAX_RETRIES = "max.retries";
  public static final String RETRIES_WAIT_MS = "retries.wait.ms";
  public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
  /** Not a Confluent key: the largest declared length the deserializers accept (see {@link #avroMaxLength()}). */
  public static final String AVRO_MAX_LENGTH = "avro.max.length";
  /** Avro's own default cap ({@code org.apache.avro.limits.bytes.maxLength}): the largest Java array. */
  public static final long DEFAULT_AVRO_MAX_LENGTH = Integer.MAX_VALUE - 8;

  public SchemaRegistryConfig {
    Objects.requireNonNull(urls, URL);
    urls = List.copyOf(urls);
    if (urls.isEmpty()) {
      throw new ConfigException(URL, urls, "at least one registry URL is required");
    }
    for (URI u : urls) {
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("mock")) {
        throw new ConfigException(URL, u.toString(), "registry URLs must be http://, https:// or mock://");
      }
      if (scheme.equals("mock") && urls.size() > 1) {
        throw new ConfigException(URL, urls.toString(), "a mock:// URL cannot be combined with others");
      }
      if (scheme.equals("mock") && (u.getHost() == null || u.getHost().isEmpty())) {
        throw new ConfigException(URL, u.toString(), "a mock:// URL needs a scope, e.g. mock://my-test");
      }
    }
    Objects.requireNonNull(keySubjectNameStrategy, KEY_SUBJECT_NAME_STRATEGY);
    Objects.requireNonNull(valueSubjectNameStrategy, VALUE_SUBJECT_NAME_STRATEGY);
    if (basicAuthUserInfo != null && bearerToken != null) {
      throw new ConfigException(BEARER_AUTH_TOKEN, "(hidden)", "basic auth and bearer auth cannot both be configured");
    }
    if (basicAuthUserInfo != null && basicAuthUserInfo.indexOf(':') < 0) {
      throw new ConfigException(BASIC_AUTH_USER_INFO, "(hidden)", "expected user:password");
    }
    requirePositive(CONNECT_TIMEOUT_MS, connectTimeout);
    requirePositive(READ_TIMEOUT_MS, requestTimeout);
    if (maxRetries < 0) {
      throw new ConfigException(MAX_RETRIES, maxRetries, "must not be negative");
    }
    Objects.requireNonNull(retryBackoff, RETRIES_WAIT_MS);
    Objects.requireNonNull(maxRetryBackoff, RETRIES_MAX_WAIT_MS);
    if (retryBackoff.isNegative()) {
      throw new ConfigException(RETRIES_WAIT_MS, retryBackoff.toMillis(), "must not be negative");
    }
    if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
      throw new ConfigException(RETRIES_MAX_WAIT_MS, maxRetryBackoff.toMillis(),
          "must not be below " + RETRIES_WAIT_MS + " (" + retryBackoff.toMillis() + ")");
    }
    if (avroMaxLength <= 0 || avroMaxLength > DEFAULT_AVRO_MAX_LENGTH) {
      throw new ConfigException(AVRO_MAX_LENGTH, avroMaxLength, "must be in [1, " + DEFAULT_AVRO_MAX_LENGTH + "]");
    }
  }

  private static void requirePositive(String key, Duration d) {
    Objects.requireNonNull(d, key);
    if (d.isZero() || d.isNegative()) {
      throw new ConfigException(key, d.toMillis(), "must be positive");
    }
  }

  /** The in-memory registry scope when the URL is {@code mock://scope}, else null. */
  public String mockScope() {
    URI u = urls.get(0);
    return "mock".equalsIgnoreCase(u.getScheme()) ? u.getHost() : null;
  }

  /** The subject name strategy for keys or values. */
  public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
    return isKey ? keySubjectNameStrategy : valueSubjectNameStrategy;
  }

  /** Defaults for everything but the URL(s), e.g. {@code forUrl("http://localhost:8081")}. */
  public static SchemaRegistryConfig forUrl(String url) {
    return fromMap(Map.of(URL, url));
  }

  /**
   * Builds the config from Confluent-named keys; unknown keys are ignored (the map is usually a whole Kafka
   * client configuration). Values may be strings or already typed (Boolean, Number, List).
   *
   * @throws ConfigException naming the key and the bad value
   */
  public static SchemaRegistryConfig fromMap(Map<String, ?> props) {
    Object rawUrl = props.get(URL);
    if (rawUrl == null) {
      throw new ConfigException(URL, null, "missing: the Schema Registry URL is required");
    }
    List<URI> urls = parseUrls(rawUrl);

    String credentialsSource = string(props, BASIC_AUTH_CREDENTIALS_SOURCE, "URL").toUpperCase(Locale.ROOT);
    String userInfo = null;
    switch (credentialsSource) {
      case "USER_INFO" -> {
        userInfo = string(props, BASIC_AUTH_USER_INFO, string(props, LEGACY_BASIC_AUTH_USER_INFO, null));
        if (userInfo == null || userInfo.isEmpty()) {
          throw new ConfigException(BASIC_AUTH_USER_INFO, null,
              "required when " + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
        }
      }
      case "URL" -> {
        List<String> infos = urls.stream().map(URI::getUserInfo).filter(Objects::nonNull).distinct().toList();
        if (infos.size() > 1) {
          throw new ConfigException(URL, "(hidden)", "registry URLs carry different user info");
        }
        userInfo = infos.isEmpty() ? null : infos.get(0);
        urls = urls.stream().map(SchemaRegistryConfig::withoutUserInfo).toList();
      }
      default -> throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, credentialsSource,
          "supported: USER_INFO, URL");
    }

    String bearer = string(props, BEARER_AUTH_TOKEN, null);
    String bearerSource = string(props, BEARER_AUTH_CREDENTIALS_SOURCE, "STATIC_TOKEN").toUpperCase(Locale.ROOT);
    if (bearer != null && !bearerSource.equals("STATIC_TOKEN")) {
      throw new ConfigException(BEARER_AUTH_CREDENTIALS_SOURCE, bearerSource, "supported: STATIC_TOKEN");
    }

    return new SchemaRegistryConfig(
        urls,
        bool(props, AUTO_REGISTER_SCHEMAS, true),
        bool(props, USE_LATEST_VERSION, false),
        SubjectNameStrategy.parse(KEY_SUBJECT_NAME_STRATEGY, string(props, KEY_SUBJECT_NAME_STRATEGY, "TopicNameStrategy")),
        SubjectNameStrategy.parse(VALUE_SUBJECT_NAME_STRATEGY,
            string(props, VALUE_SUBJECT_NAME_STRATEGY, "TopicNameStrategy")),
        userInfo,
        bearer,
        Duration.ofMillis(longValue(props, CONNECT_TIMEOUT_MS, 10_000)),
        Duration.ofMillis(longValue(props, READ_TIMEOUT_MS, 30_000)),
        (int) longValue(props, MAX_RETRIES, 3),
        Duration.ofMillis(longValue(props, RETRIES_WAIT_MS, 200)),
        Duration.ofMillis(longValue(props, RETRIES_MAX_WAIT_MS, 5_000)),
        longValue(props, AVRO_MAX_LENGTH, DEFAULT_AVRO_MAX_LENGTH));
  }

  private static List<URI> parseUrls(Object raw) {
    List<String> parts = new ArrayList<>();
    if (raw instanceof Collection<?> c) {
      c.forEach(o -> parts.add(String.valueOf(o)));
    } else {
      parts.addAll(List.of(String.valueOf(raw).split(",")));
    }
    List<URI> urls = new ArrayList<>();
    for (String p : parts) {
      String s = p.trim();
      if (s.isEmpty()) {
        continue;
      }
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      try {
        urls.add(new URI(s));
      } catch (URISyntaxException e) {
        throw new ConfigException(URL, p, "not a URL: " + e.getMessage());
      }
    }
    return urls;
  }

  private static URI withoutUserInfo(URI u) {
    if (u.getUserInfo() == null) {
      return u;
    }
    try {
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), u.getFragment());
    } catch (URISyntaxException e) {
      throw new ConfigException(URL, "(hidden)", "cannot strip user info: " + e.getMessage());
    }
  }

  private static String string(Map<String, ?> props, String key, String dflt) {
    Object v = props.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Class<?> c) {
      return c.getName();
    }
    return String.valueOf(v).trim();
  }

  private static boolean bool(Map<String, ?> props, String key, boolean dflt) {
    Object v = props.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(key, v, "expected true or false");
    };
  }

  private static long longValue(Map<String, ?> props, String key, long dflt) {
    Object v = props.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    try {
      return Long.parseLong(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, v, "expected an integer");
    }
  }

  /** Like the record's, but never prints credentials. */
  @Override
  public String toString() {
    return "SchemaRegistryConfig[urls=" + urls
        + ", autoRegisterSchemas=" + autoRegisterSchemas
        + ", useLatestVersion=" + useLatestVersion
        + ", keySubjectNameStrategy=" + keySubjectNameStrategy
        + ", valueSubjectNameStrategy=" + valueSubjectNameStrategy
        + ", basicAuth=" + (basicAuthUserInfo == null ? "none" : basicAuthUserInfo.substring(0, basicAuthUserInfo.indexOf(':')) + ":***")
        + ", bearerAuth=" + (bearerToken == null ? "none" : "***")
        + ", connectTimeout=" + connectTimeout
        + ", requestTimeout=" + requestTimeout
        + ", maxRetries=" + maxRetries
        + ", retryBackoff=" + retryBackoff
        + ", maxRetryBackoff=" + maxRetryBackoff + "]";
  }
}
