package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import picocli.CommandLine.Option;

/** The broker and registry a client command talks to ({@code produce}, {@code inspect}). */
final class ClusterOptions {
  @Option(names = "--bootstrap", defaultValue = "localhost:9092", description = "Kafka bootstrap servers")
  String bootstrap;

  @Option(names = "--registry", defaultValue = "http://localhost:8081", description = "schema registry URL")
  String registry;

  /** The app's defaults pointed at this broker and registry. */
  AppConfig config() {
    return AppConfig.defaults(bootstrap, registry);
  }
}
