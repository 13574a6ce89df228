package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The documentation cannot rot silently: every relative link resolves (file and heading anchor), every
 * {@code anyup-streams} command shown in a {@code bash} block parses with the real command tree ({@link Main}, the
 * jar's main class) without running it, every option named in an inline command exists, and README's test-time
 * figure is the one BENCHMARKS.md records.
 */
class DocsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** The module READMEs and top-level files; every {@code docs/*.md} is added by {@link #documents()}. */
  private static final List<String> FIXED_DOCUMENTS = List.of("README.md", "BENCHMARKS.md", "RELIABILITY.md",
      "serdes/README.md", "models/README.md", "models/export/README.md", "topology/README.md", "bench/README.md",
      "bench/python/README.md", "docker/README.md");

  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern CODE_SPAN = Pattern.compile("`([^`\\n]+)`");
  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final String JAR = "topology/target/anyup-streams.jar";

  private static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>();
    for (String f : FIXED_DOCUMENTS) {
      Path p = ROOT.resolve(f);
      assertTrue(Files.isRegularFile(p), f + " exists");
      docs.add(p);
    }
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** README.md and the guides: the pages whose commands a user copies. */
  private static List<Path> userPages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The text outside fenced code blocks, line by line (fenced lines blanked, so line numbers stay). */
  static List<String> prose(String markdown) {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.stripLeading().startsWith("```")) {
        fenced = !fenced;
        out.add("");
      } else {
        out.add(fenced ? "" : line);
      }
    }
    return out;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(markdown)) {
      Matcher h = HEADING.matcher(line);
      if (!h.matches()) {
        continue;
      }
      String slug = h.group(2).toLowerCase(java.util.Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return anchors;
  }

  @Test
  void anchorsFollowGithubsRules() {
    assertEquals(Set.of("camera-feeds-freshness-and-sampling-frames", "limits", "limits-1", "what-an-image-costs-kafka",
            "maxpollrecords-1-the-apps-default-vs-500"),
        anchors("## Camera feeds: freshness and sampling (`frames.*`)\n### Limits\n```\n# not a heading\n```\n"
            + "## Limits\n## What an image costs Kafka\n## `max.poll.records`: 1 (the app's default) vs 500\n"));
  }

  @Test
  void everyRelativeLinkResolvesToAFileAndHeading() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      List<String> lines = prose(Files.readString(doc));
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll("x"));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-z]+:.*")) {
            continue; // http:, https:, mailto:
          }
          checked++;
          String where = ROOT.relativize(doc) + ":" + (i + 1) + ": " + target;
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? "" : target.substring(hash + 1);
          Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
          String rel = ROOT.relativize(resolved).toString().replace('\\', '/');
          if (!resolved.startsWith(ROOT)) {
            broken.add(where + " (outside the repository)");
          } else if (!Files.exists(resolved)) {
            broken.add(where + " (no such file)");
          } else if (!anchor.isEmpty() && resolved.toString().endsWith(".md")
              && !anchors(Files.readString(resolved)).contains(anchor)) {
            broken.add(where + " (no heading with that anchor in " + rel + ")");
          }
        }
      }
    }
    assertTrue(checked > 100, "links checked: " + checked);
    assertTrue(broken.isEmpty(), broken.size() + " broken link(s):\n" + String.join("\n", broken));
  }

  /** A shell line's words, quotes removed (enough for the docs' commands: no expansion). */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }

  /** The arguments after {@code anyup-streams} or {@code java ... -jar .../anyup-streams.jar}, or null. */
  static List<String> cliArguments(List<String> segment) {
    for (int i = 0; i < segment.size(); i++) {
      String w = segment.get(i);
      if (w.equals("anyup-streams")) {
        return segment.subList(i + 1, segment.size());
      }
      if (w.endsWith("anyup-streams.jar") && i > 0 && segment.get(i - 1).equals("-jar")) {
        return segment.subList(i + 1, segment.size());
      }
      if (!w.contains("=") && !w.equals("java") && !w.startsWith("-") && !w.equals("nice")) {
        return null; // another program (mvn, curl, echo, ...)
      }
    }
    return null;
  }

  /** Every {@code anyup-streams} invocation in a page's bash blocks, continuation lines joined, comments cut. */
  static List<String[]> shownCommands(String markdown) {
    List<String[]> commands = new ArrayList<>();
    boolean inBash = false;
    StringBuilder logical = new StringBuilder();
    for (String line : markdown.split("\n", -1)) {
      String t = line.strip();
      if (t.startsWith("```")) {
        inBash = !inBash && t.matches("```(bash|sh|shell)\\s*");
        continue;
      }
      if (!inBash) {
        continue;
      }
      String code = t.replaceAll("(^|\\s)#.*$", "");
      if (code.endsWith("\\")) {
        logical.append(code, 0, code.length() - 1).append(' ');
        continue;
      }
      logical.append(code);
      List<String> segment = new ArrayList<>();
      for (String w : words(logical.toString())) {
        if (Set.of("&&", "||", ";", "|").contains(w)) {
          addCommand(commands, segment);
          segment = new ArrayList<>();
        } else {
          segment.add(w);
        }
      }
      addCommand(commands, segment);
      logical.setLength(0);
    }
    return commands;
  }

  private static void addCommand(List<String[]> commands, List<String> segment) {
    if (segment.size() > 1 && segment.get(0).equals("alias")) {
      return;
    }
    List<String> args = cliArguments(segment);
    if (args != null) {
      commands.add(args.toArray(new String[0]));
    }
  }

  @Test
  void everyCommandShownInTheReadmeAndTheGuidesParsesWithTheRealCommandLine() throws IOException {
    List<String> refused = new ArrayList<>();
    int readmeCommands = 0;
    for (Path page : userPages()) {
      for (String[] args : shownCommands(Files.readString(page))) {
        if (page.getFileName().toString().equals("README.md") && page.getParent().equals(ROOT)) {
          readmeCommands++;
        }
        try {
          new CommandLine(new Main()).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
          refused.add(ROOT.relativize(page) + ": anyup-streams " + String.join(" ", args) + "\n    " + e.getMessage());
        }
      }
    }
    assertTrue(readmeCommands >= 5, "the README's walk-through shows local, run, produce and inspect: " + readmeCommands);
    assertTrue(refused.isEmpty(), String.join("\n", refused));
  }

  @Test
  void theWalkThroughRunsTheJarWhoseMainClassIsMain() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    assertTrue(readme.contains("alias anyup-streams='java -jar " + JAR + "'"), "README's alias runs " + JAR);
    String pom = Files.readString(ROOT.resolve("topology/pom.xml"));
    assertTrue(pom.contains("<mainClass>" + Main.class.getName() + "</mainClass>"), "the jar's main class is Main");
  }

  /** The command a span names ({@code anyup-streams concepts add ...} or a synopsis like {@code serve [--port 8090]}). */
  private static CommandLine command(CommandLine main, List<String> words) {
    CommandLine c = main;
    for (String w : words) {
      CommandLine sub = c.getSubcommands().get(w);
      if (sub != null) {
        c = sub;
      }
    }
    return c;
  }

  @Test
  void everyOptionNamedInAnInlineCommandExists() throws IOException {
    CommandLine main = new CommandLine(new Main());
    List<String> unknown = new ArrayList<>();
    int spans = 0;
    for (Path page : userPages()) {
      for (String line : prose(Files.readString(page))) {
        Matcher m = CODE_SPAN.matcher(line);
        while (m.find()) {
          List<String> words = words(m.group(1).replaceAll("[\\[\\]]", " ").replace("\\|", "|"));
          if (words.isEmpty()) {
            continue;
          }
          List<String> rest;
          if (words.get(0).equals("anyup-streams")) {
            rest = words.subList(1, words.size());
          } else if (main.getSubcommands().containsKey(words.get(0)) && words.size() > 1
              && words.get(1).startsWith("--")) {
            rest = words; // a synopsis in a table: `serve [--bind 127.0.0.1] ...`
          } else {
            continue;
          }
          spans++;
          CommandLine c = command(main, rest);
          for (String w : rest) {
            if (!w.startsWith("--") || w.equals("--")) {
              continue;
            }
            String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
            boolean known = false;
            for (CommandSpec s = c.getCommandSpec(); s != null && !known; s = s.parent()) {
              known = s.findOption(name) != null;
            }
            if (!known) {
              unknown.add(ROOT.relativize(page) + ": `" + m.group(1) + "`: " + name);
            }
          }
        }
      }
    }
    assertTrue(spans > 10, "inline commands checked: " + spans);
    assertTrue(unknown.isEmpty(), "options the command line does not have:\n" + String.join("\n", unknown));
  }

  @Test
  void theReadmesTestTimeIsTheMeasuredOne() throws IOException {
    Matcher measured = Pattern.compile("(?s)## How long the two commands take.*?\\*\\*(\\d+) s ≈ ([\\d.]+) min\\*\\*.*?(\\d{4}-\\d{2}-\\d{2})")
        .matcher(Files.readString(ROOT.resolve("BENCHMARKS.md")));
    assertTrue(measured.find(), "BENCHMARKS.md records the test run's time, in seconds and minutes, with its date");
    assertEquals(Integer.parseInt(measured.group(1)) / 60.0, Double.parseDouble(measured.group(2)), 0.05,
        "seconds and minutes agree");
    String readme = Files.readString(ROOT.resolve("README.md"));
    String stated = "**" + measured.group(1) + " s ≈ " + measured.group(2) + " min**";
    assertTrue(readme.contains(stated) && readme.contains(measured.group(3)),
        "README states the measured test time " + stated + " of " + measured.group(3));
    Matcher minutes = Pattern.compile("(?i)(about|takes|take|took) (\\d+)(–\\d+)? min").matcher(readme);
    while (minutes.find()) {
      fail("README states a duration other than the measured one: \"" + minutes.group() + "\"");
    }
  }
}
