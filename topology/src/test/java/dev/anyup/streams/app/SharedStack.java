package dev.anyup.streams.app;

import dev.anyup.streams.app.local.LocalStack;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalStack} (real broker in-process, real Apicurio registry as a child process) per test JVM, shared by
 * every integration test class that uses this extension and closed with the root JUnit context. Tests isolate
 * themselves with their own topic names and application ids.
 */
public final class SharedStack implements BeforeAllCallback {
  private static final Object LOCK = new Object();
  private static LocalStack stack;

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (LOCK) {
      if (stack == null) {
        stack = LocalStack.start();
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(SharedStack.class, stack);
      }
    }
  }

  /** The shared stack; the extension must be registered on the test class. */
  static LocalStack stack() {
    synchronized (LOCK) {
      if (stack == null) {
        throw new IllegalStateException("SharedStack extension not registered on this test class");
      }
      return stack;
    }
  }
}
