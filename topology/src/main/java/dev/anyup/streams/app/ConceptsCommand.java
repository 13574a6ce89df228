package dev.anyup.streams.app;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.segmentation.ConceptBuilder;
import dev.anyup.streams.segmentation.ConceptTopic;
import dev.anyup.streams.segmentation.ConceptWriteException;
import dev.anyup.streams.topology.AppConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code concepts add|list|remove}: scripted, reviewable edits of the compacted concepts topic the {@code concepts}
 * segmentation head reads. {@code add} builds the concept from an image file and a region of it through the app's own
 * pipeline (the configured bundle, limits and preprocessing: {@link ConceptBuilder}). Every write waits for the
 * broker's acknowledgement; a write that was not acknowledged exits with {@value #NOT_WRITTEN} and the broker's error.
 */
@Command(name = "concepts", mixinStandardHelpOptions = true,
    description = "Add, list or remove segmentation concepts (the compacted concepts topic).",
    subcommands = {ConceptsCommand.Add.class, ConceptsCommand.ListConcepts.class, ConceptsCommand.Remove.class})
final class ConceptsCommand implements Callable<Integer> {
  /** Exit code of a write the broker did not acknowledge, or of a name that is not there. */
  static final int NOT_WRITTEN = 1;
  /** Exit code of a bad argument (region, name, threshold, image). */
  static final int BAD_ARGUMENT = 2;

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Mixin
  AppConfigOptions options;

  @Option(names = "--topic", description = "concepts topic (default: segmentation.concepts.topic of the config)")
  String topic;

  @Option(names = "--timeout-ms", defaultValue = "30000", description = "how long to wait for the broker's "
      + "acknowledgement of a write, or for the end of the topic")
  long timeoutMs;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return BAD_ARGUMENT;
  }

  /**
   * The configuration: {@code --config}/{@code $ANYUP_CONFIG} and {@code --bundle} as for {@code run}, the endpoints
   * and client settings of {@code --bootstrap}, {@code --registry} and {@code --command-config} as for
   * {@code produce}/{@code inspect} (the options win over the file).
   */
  AppConfig config() {
    Map<String, String> file = cluster.commandConfig == null ? Map.of()
        : ConfigLoader.readClientProperties(cluster.commandConfig);
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("bootstrap.servers", file.getOrDefault("bootstrap.servers", ClusterOptions.DEFAULT_BOOTSTRAP));
    defaults.put("schema.registry.url", file.getOrDefault("schema.registry.url", ClusterOptions.DEFAULT_REGISTRY));
    Map<String, String> overrides = new LinkedHashMap<>();
    if (cluster.bootstrap != null) {
      overrides.put("bootstrap.servers", cluster.bootstrap);
    }
    if (cluster.registry != null) {
      overrides.put("schema.registry.url", cluster.registry);
    }
    return options.load(System.getenv(), defaults, overrides).withPassThrough(ClusterOptions.passThrough(file));
  }

  ConceptTopic open(AppConfig cfg) {
    return new ConceptTopic(cfg, topic != null ? topic : cfg.segmentation().conceptsTopic(),
        Duration.ofMillis(timeoutMs));
  }

  static Optional<ConceptTopic.Entry> find(ConceptTopic.Listing listing, String name) {
    return listing.concepts().stream().filter(e -> e.name().equals(name)).findFirst();
  }

  /** {@code concepts add}. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Build a concept from an image and a region of it (source pixels) and write it.")
  static final class Add implements Callable<Integer> {
    @ParentCommand
    ConceptsCommand parent;

    @Option(names = "--name", required = true, description = "the concept's name (the record key)")
    String name;

    @Option(names = "--image", required = true, description = "the example image file")
    Path image;

    @ArgGroup(exclusive = true, multiplicity = "1")
    RegionOption region;

    @Option(names = "--threshold", description = "cosine similarity a pixel must reach (default 0.6; with --append, "
        + "the concept's own)")
    Double threshold;

    @Option(names = "--append", description = "add a prototype to the existing concept instead of replacing it")
    boolean append;

    static final class RegionOption {
      @Option(names = "--mask", description = "a PNG of the image's size: non-black pixels are the example")
      Path mask;

      @Option(names = "--box", description = "x,y,w,h in source image pixels")
      String box;
    }

    @Override
    public Integer call() throws IOException {
      AppConfig cfg = parent.config();
      byte[] bytes = Files.readAllBytes(image);
      ConceptBuilder.Region r;
      try {
        r = region.box != null ? ConceptBuilder.Box.parse(region.box)
            : ConceptBuilder.Mask.fromImage(Files.readAllBytes(region.mask));
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return BAD_ARGUMENT;
      }
      try (ConceptTopic topic = parent.open(cfg);
          ConceptBuilder builder = ConceptBuilder.create(AnyupApp.loadBundle(cfg, cfg.model()), cfg)) {
        topic.ensure();
        String id = image.getFileName().toString();
        Concept c;
        try {
          if (append) {
            Optional<ConceptTopic.Entry> existing = find(topic.read(), name);
            if (existing.isEmpty()) {
              System.err.println("error: there is no concept " + name + " on " + topic.topic() + " to append to");
              return NOT_WRITTEN;
            }
            c = builder.append(existing.get().concept(), id, bytes, r, threshold, "cli");
          } else {
            c = builder.build(name, id, bytes, r, threshold != null ? threshold : 0.6, "cli");
          }
        } catch (IllegalArgumentException e) {
          System.err.println("error: " + e.getMessage());
          return BAD_ARGUMENT;
        }
        long offset;
        try {
          offset = topic.put(c);
        } catch (ConceptWriteException e) {
          System.err.println("error: " + e.getMessage());
          return NOT_WRITTEN;
        }
        System.out.printf(Locale.ROOT, "wrote concept %s (dimension %d, %d prototype(s), threshold %.3f) at offset "
            + "%d of %s%n", c.getName(), c.getDimension(), c.getPrototypes().size(), c.getThreshold(), offset,
            topic.topic());
        return 0;
      }
    }
  }

  /** {@code concepts list}. */
  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Print the live concepts (read_committed, to the end of the topic).")
  static final class ListConcepts implements Callable<Integer> {
    @ParentCommand
    ConceptsCommand parent;

    @Override
    public Integer call() {
      try (ConceptTopic topic = parent.open(parent.config())) {
        ConceptTopic.Listing l = topic.read();
        print(topic.topic(), l, System.out);
        l.problems().forEach(p -> System.err.println("unreadable record: " + p));
        return 0;
      }
    }

    static void print(String topic, ConceptTopic.Listing l, PrintStream out) {
      if (!l.topicExists()) {
        out.println("topic " + topic + " does not exist yet: no concepts");
        return;
      }
      for (ConceptTopic.Entry e : l.concepts()) {
        Concept c = e.concept();
        out.printf(Locale.ROOT, "%s  dimension=%d  prototypes=%d  threshold=%.3f  encoder=%s  upsampler=%s  "
            + "offset=%d  by=%s  created=%s%n", e.name(), c.getDimension(), c.getPrototypes().size(),
            c.getThreshold(), shortSha(c.getEncoderSha256()), shortSha(c.getUpsamplerSha256()), e.offset(),
            c.getCreatedBy().isEmpty() ? "-" : c.getCreatedBy(), c.getCreatedTimestamp());
      }
      out.println(l.concepts().size() + " concept(s) on " + topic + "; end offset (concept-set version once "
          + "applied) " + l.endOffset());
    }

    private static String shortSha(String sha) {
      return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
  }

  /** {@code concepts remove}. */
  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete a concept (a tombstone).")
  static final class Remove implements Callable<Integer> {
    @ParentCommand
    ConceptsCommand parent;

    @Option(names = "--name", required = true, description = "the concept to delete")
    String name;

    @Override
    public Integer call() {
      try (ConceptTopic topic = parent.open(parent.config())) {
        if (find(topic.read(), name).isEmpty()) {
          System.err.println("error: there is no concept " + name + " on " + topic.topic());
          return NOT_WRITTEN;
        }
        try {
          long offset = topic.delete(name);
          System.out.println("removed concept " + name + " (tombstone at offset " + offset + " of " + topic.topic()
              + ")");
          return 0;
        } catch (ConceptWriteException e) {
          System.err.println("error: " + e.getMessage());
          return NOT_WRITTEN;
        }
      }
    }
  }
}
