package dev.anyup.streams.app;

import dev.anyup.streams.access.AccessContext;
import dev.anyup.streams.access.AccessFailure;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code anyup-streams} command line: {@code run}, {@code demo}, {@code local}, {@code serve}, {@code produce},
 * {@code inspect}, {@code concepts}, {@code fit-probe}, {@code verify-bundle}, {@code config}.
 */
@Command(name = "anyup-streams", mixinStandardHelpOptions = true, version = "anyup-streams 0.1.0",
    description = "Real-time dense visual features on Kafka Streams.",
    subcommands = {RunCommand.class, DemoCommand.class, LocalCommand.class, ServeCommand.class, ProduceCommand.class,
        InspectCommand.class, ConceptsCommand.class, FitProbeCommand.class, VerifyBundleCommand.class,
        ConfigCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Errors of the user's configuration rather than of this program: ours ({@code StartupException},
   * {@code ConfigException}) and the Kafka clients' refusals of their settings (a bad {@code --command-config}
   * line fails in the client's constructor as a {@code KafkaException}).
   */
  static boolean userError(Throwable e) {
    return e instanceof StartupException || e instanceof dev.anyup.streams.topology.ConfigException
        || e instanceof org.apache.kafka.common.KafkaException;
  }

  /** Runs a command line and returns its exit code (no {@code System.exit}; tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // a configuration or credential mistake is one line with its root cause; only a bug gets a stack trace
      Optional<AccessFailure> denied = AccessFailure.of(e, AccessContext.of(new Properties(), Set.of(), Set.of(),
          "<application.id>"));
      if (e instanceof StartupException || e instanceof dev.anyup.streams.topology.ConfigException) {
        cmd.getErr().println("error: " + e.getMessage());
      } else if (denied.isPresent()) {
        cmd.getErr().println("error: " + denied.get().message());
      } else if (userError(e)) {
        // a Kafka client refusing its settings (a bad --command-config line): the causes say what, not a trace
        cmd.getErr().println("error: " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
          cmd.getErr().println("  caused by " + c.getClass().getSimpleName() + ": " + c.getMessage());
        }
      } else {
        cmd.getErr().println("error: " + AccessFailure.rootMessage(e));
        e.printStackTrace(cmd.getErr());
      }
      return 2;
    });
    return cl.execute(args);
  }
}
