package dev.anyup.streams.app;

import dev.anyup.streams.topology.ConfigReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code config}: prints every configuration key with its type, default and doc (the generated reference). */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Print every configuration key with its type, default, allowed values and doc.")
final class ConfigCommand implements Callable<Integer> {
  @Option(names = "--markdown", description = "print the Markdown reference (docs/configuration.md) instead")
  boolean markdown;

  @Override
  public Integer call() {
    System.out.print(markdown ? ConfigReference.markdown() : ConfigReference.text());
    System.out.flush();
    return 0;
  }
}
