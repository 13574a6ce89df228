package dev.anyup.streams.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Dockerfile read into its stages and instructions, enough for static checks: continuation lines joined, comments
 * and parser directives dropped, JSON (exec) and shell forms both understood. Not a full Dockerfile parser (no
 * heredocs, no ARG substitution) — the files checked here use neither.
 */
record Dockerfile(Path path, List<Stage> stages) {

    /** One {@code FROM} and the instructions up to the next. {@code name} is the {@code AS} name or null. */
    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Optional<Instruction> last(String keyword) {
            List<Instruction> found = all(keyword);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
        }
    }

    /** {@code keyword} upper-cased; {@code args} the raw text after it; {@code line} 1-based, for messages. */
    record Instruction(String keyword, String args, int line) {
        /** The words of a shell-form or JSON-form argument list; flags (--x=y) are kept. */
        List<String> words() {
            String a = args.strip();
            if (a.startsWith("[")) {
                try {
                    return List.of(JSON.readValue(a, String[].class));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("line " + line + ": bad JSON array: " + a, e);
                }
            }
            return List.of(a.split("\\s+"));
        }

        /** The value of {@code --name=value}, if given. */
        Optional<String> flag(String name) {
            return words().stream().filter(w -> w.startsWith("--" + name + "="))
                    .map(w -> w.substring(name.length() + 3)).findFirst();
        }

        /** The non-flag words. */
        List<String> operands() {
            return words().stream().filter(w -> !w.startsWith("--")).toList();
        }

        @Override
        public String toString() {
            return keyword + " " + args + " (line " + line + ")";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst();
    }

    static Dockerfile read(Path path) {
        try {
            return parse(path, Files.readAllLines(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static Dockerfile parse(Path path, List<String> lines) {
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        StringBuilder pending = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (pending.length() == 0 && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (pending.length() > 0 && trimmed.startsWith("#")) {
                continue; // comment lines inside a continued instruction are ignored by Docker too
            }
            if (pending.length() == 0) {
                startLine = i + 1;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed.substring(0, trimmed.length() - 1).strip()).append(' ');
                continue;
            }
            pending.append(trimmed);
            String text = pending.toString().strip();
            pending.setLength(0);
            int space = text.indexOf(' ');
            String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : text.substring(space + 1).strip();
            Instruction ins = new Instruction(keyword, args, startLine);
            if (keyword.equals("FROM")) {
                List<String> words = ins.operands();
                String name = words.size() >= 3 && words.get(1).equalsIgnoreCase("AS") ? words.get(2) : null;
                current = new ArrayList<>();
                stages.add(new Stage(words.get(0), name, current));
            } else if (current == null) {
                if (!keyword.equals("ARG")) {
                    throw new IllegalStateException(path + " line " + startLine + ": " + keyword + " before FROM");
                }
            } else {
                current.add(ins);
            }
        }
        if (pending.length() > 0) {
            throw new IllegalStateException(path + ": ends inside a continued instruction");
        }
        if (stages.isEmpty()) {
            throw new IllegalStateException(path + ": no FROM");
        }
        return new Dockerfile(path, List.copyOf(stages));
    }
}
