package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalKafkaCluster;
import dev.anyup.streams.serdes.local.LocalSchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real broker (in-process KRaft) and one real registry (Apicurio child process) per test JVM, shared by every
 * integration test class that uses this extension and closed when the JVM's test run ends. Tests isolate themselves
 * with their own topic names and application ids.
 */
public final class LocalStack implements BeforeAllCallback {
  private static final Object LOCK = new Object();
  private static Resources resources;

  /** The shared broker and registry. */
  public record Resources(LocalKafkaCluster kafka, LocalSchemaRegistry registry)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        registry.close();
      } finally {
        kafka.close();
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    get(context);
  }

  static Resources get(ExtensionContext context) {
    synchronized (LOCK) {
      if (resources == null) {
        try {
          var registry = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
              return LocalSchemaRegistry.start(Files.createTempDirectory("anyup-it-registry"));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
          LocalKafkaCluster kafka = LocalKafkaCluster.start();
          resources = new Resources(kafka, registry.join());
        } catch (RuntimeException e) {
          throw new IllegalStateException("cannot start the local broker and registry", e);
        }
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(LocalStack.class, resources);
      }
      return resources;
    }
  }

  static Resources resources() {
    synchronized (LOCK) {
      if (resources == null) {
        throw new IllegalStateException("LocalStack extension not registered on this test class");
      }
      return resources;
    }
  }
}
