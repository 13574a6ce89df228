package dev.anyup.streams.app;

import dev.anyup.streams.topology.AppConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code run}: the production service, until SIGTERM/SIGINT (graceful shutdown via a JVM shutdown hook, exit code 0)
 * or a fatal JVM error in a stream thread (exit code 70), or a failure retrying cannot heal: a missing ACL, rejected
 * credentials, an invalid client setting (exit code 78, one ERROR line naming the ACL to add; see
 * {@link StreamThreadWatch}). A startup check that fails exits with 2.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the stream processor.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  AppConfigOptions options;

  @Override
  public Integer call() throws InterruptedException {
    AppConfig cfg = options.load(System.getenv(), Map.of(), Map.of());
    AnyupApp app = AnyupApp.start(cfg);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("signal received: graceful shutdown");
      app.close();
      // A JVM stopped by SIGTERM exits with 143 (128 + 15) however cleanly it shut down, which orchestrators report
      // as a failure. The shutdown is complete here (Streams closed and left the group, batcher drained, models
      // closed; logging is synchronous), so end with the app's own code: 0, or 70 after a fatal error.
      Runtime.getRuntime().halt(app.exitCode());
    }, "anyup-shutdown"));
    int code = app.awaitExit();
    if (code != 0) {
      LOG.error("exiting with code {}: {}", code, app.stoppedBecause());
      app.close();
    }
    return code;
  }
}
