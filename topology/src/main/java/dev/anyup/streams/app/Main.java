package dev.anyup.streams.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code anyup-streams} command line: {@code run}, {@code demo}, {@code local}, {@code serve}, {@code produce}, {@code inspect},
 * {@code verify-bundle}.
 */
@Command(name = "anyup-streams", mixinStandardHelpOptions = true, version = "anyup-streams 0.1.0",
    description = "Real-time dense visual features on Kafka Streams.",
    subcommands = {RunCommand.class, DemoCommand.class, LocalCommand.class, ServeCommand.class, ProduceCommand.class,
        InspectCommand.class, ConceptsCommand.class, FitProbeCommand.class, VerifyBundleCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code (no {@code System.exit}; tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + e.getMessage());
      if (!(e instanceof StartupException || e instanceof dev.anyup.streams.topology.ConfigException)) {
        e.printStackTrace(cmd.getErr());
      }
      return 2;
    });
    return cl.execute(args);
  }
}
