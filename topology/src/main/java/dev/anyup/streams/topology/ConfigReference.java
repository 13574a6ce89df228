package dev.anyup.streams.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The configuration reference, generated from {@link ConfigKeys#DEF}: {@link #text()} for {@code anyup-streams config}
 * and {@link #markdown()} for {@code docs/configuration.md} (a test fails when the committed file differs).
 */
public final class ConfigReference {
  /** The one command that rewrites {@code docs/configuration.md} from the code (run at the repository root). */
  public static final String REGENERATE = "mvn -B -o -q -pl topology -am -Dtest=ConfigReferenceTest "
      + "-Dsurefire.failIfNoSpecifiedTests=false -Dconfig.reference.write=true test";

  /**
   * Why each client default the app sets differs from Kafka's (the generator refuses a default without one). Figures
   * and the measurements behind them: {@code AppConfig#CONSUMER_DEFAULTS}, RELIABILITY.md, BENCHMARKS.md.
   */
  private static final Map<String, String> WHY = Map.of(
      "session.timeout.ms", "Kafka: 45000. A SIGKILLed instance is noticed in 6 s (the broker's default minimum); "
          + "heartbeats come from the consumer's own thread, so a long model call does not miss them.",
      "heartbeat.interval.ms", "Kafka: 3000. A quarter of the session timeout.",
      "max.poll.records", "Kafka Streams: 1000. A stream thread polls, and so answers a rebalance, after every image "
          + "instead of after a buffer of them (records are still fetched ahead in batches).",
      "transaction.timeout.ms", "Kafka Streams' exactly-once default, made explicit: it must exceed "
          + "`session.timeout.ms` (checked at start-up), and short, because a killed instance's open transaction "
          + "holds back `read_committed` readers until it times out.",
      "send.buffer.bytes", "Kafka: 131072. -1 = the OS's autotuned TCP send buffer: the JDK copies a heap buffer's "
          + "remaining bytes on every socket write, so a 38.5 MB record through a 128 KB buffer cost ~3 GB of "
          + "copying.",
      "max.block.ms", "Kafka: 60000. The stream threads wait out a broker outage of up to 3 minutes; with 60 s, "
          + "one of a minute failed a commit and replaced a stream thread (RELIABILITY.md, quiet outages).");

  private ConfigReference() {}

  /** Every key, by section, with type, default, allowed values and doc: what {@code anyup-streams config} prints. */
  public static String text() {
    StringBuilder b = new StringBuilder();
    b.append("Every configuration key of anyup-streams (file: --config FILE or $ANYUP_CONFIG, YAML or .properties;\n")
        .append("environment: ANYUP_ + the key upper-cased, '.' -> '_', wins over the file).\n")
        .append("Unset or empty = the default. Reference: docs/configuration.md (anyup-streams config --markdown).\n");
    ConfigKeys.DEF.sections().forEach((section, intro) -> {
      b.append('\n').append(section).append(": ").append(plain(intro)).append('\n');
      for (ConfigDef.Key k : ConfigKeys.DEF.keys(section)) {
        b.append("  ").append(k.name()).append(" (").append(k.type().label()).append(", ")
            .append(k.required() ? "required" : "default " + (k.defaultValue().isEmpty() ? "empty" : k.defaultValue()));
        if (!k.allowed().describe().isEmpty()) {
          b.append(", allowed ").append(k.allowed().describe());
        }
        b.append(")\n      ").append(plain(k.doc())).append('\n');
      }
    });
    b.append("\nPass-through (verbatim to the Kafka clients and the serde, not checked here): any key starting with ")
        .append(String.join(", ", new TreeSet<>(AppConfig.PASS_THROUGH_PREFIXES))).append('\n');
    return b.toString();
  }

  /** {@code docs/configuration.md}. */
  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("<!-- Generated from topology/src/main/java/dev/anyup/streams/topology/ConfigKeys.java: do not edit.\n")
        .append("     Regenerate (at the repository root): ").append(REGENERATE).append("\n")
        .append("     or, with the app built: java -jar topology/target/anyup-streams.jar config --markdown > "
            + "docs/configuration.md -->\n")
        .append("# Configuration reference\n\n")
        .append("Every key the app accepts, generated from the code (`ConfigKeys`), so it cannot drift: "
            + "`ConfigReferenceTest` fails the build when this file differs. In a terminal, `anyup-streams config` "
            + "prints the same list (`anyup-streams config --markdown` prints this page).\n\n");
    b.append("""
        ## Where settings come from

        Later wins:

        1. the defaults below;
        2. a file: `--config FILE`, else the file named by `$ANYUP_CONFIG`. YAML (flat dotted keys, nested maps, or \
        both) or `.properties` (by its extension);
        3. environment variables: `ANYUP_` + the key upper-cased with `.` (and `-`) as `_`, e.g. \
        `ANYUP_BOOTSTRAP_SERVERS`, `ANYUP_MODEL_DEVICE=cuda:0`, `ANYUP_KAFKA_SASL_JAAS_CONFIG`. A variable that \
        spells a key below or a key in the file sets that key; any other becomes the lower-cased dotted key \
        (`ANYUP_PRODUCER_COMPRESSION_TYPE` → `producer.compression.type`). `ANYUP_CONFIG` and `ANYUP_APICURIO_ZIP` \
        are not settings;
        4. a command's own options: `--bundle` sets `model.bundle`; `serve`'s `--bind`, `--port` and `--state-dir` \
        override `serve.bind`, `serve.port` and `serve.state.dir`; `demo` and `local` set their own stack's endpoints.

        A key that is neither below nor under a pass-through prefix refuses the start, naming the key, so a typo \
        never falls back to a default silently. An unset or empty value means the default. Each value is checked at \
        start-up; the message names the key and the value.

        """);
    b.append("## Keys\n\n");
    ConfigKeys.DEF.sections().forEach((section, intro) -> {
      b.append("### ").append(section).append("\n\n").append(intro).append("\n\n")
          .append("| key | type | default | allowed | description |\n|---|---|---|---|---|\n");
      for (ConfigDef.Key k : ConfigKeys.DEF.keys(section)) {
        b.append("| `").append(k.name()).append("` | ").append(k.type().label()).append(" | ")
            .append(k.required() ? "**required**" : k.defaultValue().isEmpty() ? "(empty)"
                : "`" + k.defaultValue() + "`")
            .append(" | ").append(cell(k.allowed().describe())).append(" | ").append(cell(k.doc())).append(" |\n");
      }
      b.append('\n');
    });
    b.append("""
        ## Pass-through to the Kafka clients and the serde

        Keys under these prefixes go to the clients verbatim, with the prefix removed; the app does not check them \
        (the client does, when it starts). Kafka Streams gets the app's defaults (below), then `kafka.*`, then \
        `streams.*`, then `producer.*`, `consumer.*` and `admin.*` as Kafka Streams' own prefixed client settings.

        | prefix | goes to | e.g. |
        |---|---|---|
        | `kafka.` | every Kafka client: Kafka Streams, producers, consumers, admin | `kafka.security.protocol`, \
        `kafka.sasl.jaas.config` |
        | `streams.` | Kafka Streams (its own keys, and its `producer.`/`consumer.`/`main.consumer.`... prefixes) | \
        `streams.num.stream.threads`, `streams.processing.guarantee`, `streams.state.dir` |
        | `producer.` | producers (Kafka Streams' and `produce`'s) | `producer.compression.type`, \
        `producer.max.request.size` |
        | `consumer.` | consumers (Kafka Streams' and `inspect`'s) | `consumer.receive.buffer.bytes` |
        | `admin.` | admin clients | `admin.request.timeout.ms` |
        | `schema.registry.` | the Avro serde and the registry client, key kept whole; Confluent's serde keys are \
        also passed without the prefix | `schema.registry.basic.auth.user.info`, \
        `schema.registry.auto.register.schemas` |

        Values of keys that name a credential (password, JAAS, secret, token, user info, key), of every SASL/SSL \
        setting but a few descriptive ones, and values shaped like a JAAS line are never logged or printed.

        Pass-through keys the app reads itself:
        - `streams.processing.guarantee`: `exactly_once_v2` (default) or `at_least_once`; anything else refuses \
        the start.
        - `streams.num.stream.threads`: default 2 on a CPU, `batch.max.size × (batch.workers + 1)` on a GPU \
        (`model.device` `cuda:N`). Each stream thread has one image in flight, so this bounds the model batch.
        - `producer.max.request.size` and `producer.buffer.memory`: unset, the app sizes them at start-up to fit \
        one output record (and the input topic's `max.message.bytes`); a value set smaller than an output record \
        refuses the start.
        - `streams.state.dir`: also `serve`'s state directory when `serve.state.dir` is not set.

        ## Client defaults the app sets

        Each applies unless the same client key is set under any pass-through prefix that reaches that client \
        (`kafka.`, `streams.`, `streams.consumer.`, `streams.main.consumer.`, `consumer.`, `streams.producer.`, \
        `producer.`).

        | client | key | value | why |
        |---|---|---|---|
        """);
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    new TreeSet<>(AppConfig.CONSUMER_DEFAULTS.keySet()).forEach(k -> rows.add(Map.entry("main consumer|" + k,
        AppConfig.CONSUMER_DEFAULTS.get(k))));
    new TreeSet<>(AppConfig.PRODUCER_DEFAULTS.keySet()).forEach(k -> rows.add(Map.entry(
        (k.equals("send.buffer.bytes") ? "producers (Streams' and `produce`'s)" : "producer") + "|" + k,
        AppConfig.PRODUCER_DEFAULTS.get(k))));
    for (Map.Entry<String, String> r : rows) {
      String[] clientKey = r.getKey().split("\\|");
      String why = WHY.get(clientKey[1]);
      if (why == null) {
        throw new IllegalStateException("client default " + clientKey[1] + " has no why in ConfigReference.WHY");
      }
      b.append("| ").append(clientKey[0]).append(" | `").append(clientKey[1]).append("` | `").append(r.getValue())
          .append("` | ").append(cell(why)).append(" |\n");
    }
    b.append("""
        | Kafka Streams | `processing.guarantee` | `exactly_once_v2` | every input yields its outputs exactly once, \
        crash or rebalance (`streams.processing.guarantee: at_least_once` to opt out) |
        | Kafka Streams | `errors.dead.letter.queue.topic.name` | `topics.dlq` | Kafka Streams' own handlers \
        (KIP-1034) write to the app's dead-letter topic too |
        | Kafka Streams | `processing.exception.handler.global.enabled` | `true` | Kafka 5.0's default; without it \
        Kafka Streams warns once per thread |

        Two checks refuse a start that would fence survivors or kick busy threads: under `exactly_once_v2`, \
        `transaction.timeout.ms` must exceed `session.timeout.ms`, and `max.poll.interval.ms` (Kafka Streams: \
        300000) must exceed `batch.timeout.ms`.
        """);
    return b.toString();
  }

  /** A doc in a terminal: without Markdown's backticks. */
  private static String plain(String doc) {
    return doc.replace("`", "");
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
