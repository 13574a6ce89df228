package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The broker and registry a client command talks to ({@code produce}, {@code inspect}), and how it authenticates.
 *
 * <p>{@code --command-config FILE} is a Kafka client properties file, as with Kafka's own tools (SASL/SSL settings,
 * {@code client.id}, ...). It may also carry the registry settings the way Confluent's client configs do:
 * {@code schema.registry.url}, {@code basic.auth.credentials.source}, {@code basic.auth.user.info},
 * {@code bearer.auth.token} (also with a {@code schema.registry.} prefix). {@code --bootstrap} and {@code --registry}
 * win over {@code bootstrap.servers} and {@code schema.registry.url} in the file, which win over the defaults.
 */
final class ClusterOptions {
  static final String DEFAULT_BOOTSTRAP = "localhost:9092";
  static final String DEFAULT_REGISTRY = "http://localhost:8081";

  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: bootstrap.servers from "
      + "--command-config, else " + DEFAULT_BOOTSTRAP + ")")
  String bootstrap;

  @Option(names = "--registry", description = "schema registry URL (default: schema.registry.url from "
      + "--command-config, else " + DEFAULT_REGISTRY + ")")
  String registry;

  @Option(names = "--command-config", paramLabel = "FILE", description = "Kafka client properties (SASL/SSL, ...) "
      + "and registry auth (basic.auth.credentials.source, basic.auth.user.info, bearer.auth.token)")
  Path commandConfig;

  /** The app's defaults pointed at this broker and registry, with the client file's settings for every client. */
  AppConfig config() {
    Map<String, String> file = commandConfig == null ? Map.of() : ConfigLoader.readClientProperties(commandConfig);
    String b = bootstrap != null ? bootstrap : file.getOrDefault("bootstrap.servers", DEFAULT_BOOTSTRAP);
    String r = registry != null ? registry : file.getOrDefault("schema.registry.url", DEFAULT_REGISTRY);
    return AppConfig.defaults(b, r).withPassThrough(passThrough(file));
  }

  /** Registry keys under {@code schema.registry.}, everything else under {@code kafka.} (all Kafka clients). */
  static Map<String, String> passThrough(Map<String, String> file) {
    Map<String, String> pass = new LinkedHashMap<>();
    file.forEach((k, v) -> {
      if (k.equals("bootstrap.servers") || k.equals("schema.registry.url")) {
        return;
      }
      if (k.startsWith("schema.registry.")) {
        pass.put(k, v);
      } else if (k.startsWith("basic.auth.") || k.startsWith("bearer.auth.")) {
        pass.put("schema.registry." + k, v);
      } else {
        pass.put("kafka." + k, v);
      }
    });
    // user info without a source would be ignored (the source defaults to URL): the user meant these credentials
    if (pass.containsKey("schema.registry.basic.auth.user.info")
        && !pass.containsKey("schema.registry.basic.auth.credentials.source")) {
      pass.put("schema.registry.basic.auth.credentials.source", "USER_INFO");
    }
    return pass;
  }
}
