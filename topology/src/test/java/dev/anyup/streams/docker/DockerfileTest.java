package dev.anyup.streams.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The small Dockerfile reader behind {@link DockerAssetsTest}: it must see what Docker sees. */
class DockerfileTest {

    private static Dockerfile parse(String... lines) {
        return Dockerfile.parse(Path.of("Dockerfile"), List.of(lines));
    }

    @Test
    void joinsContinuationLinesAndSkipsCommentsInside() {
        Dockerfile f = parse(
                "# syntax=docker/dockerfile:1",
                "FROM a:1 AS build",
                "RUN apt-get update \\",
                "# a comment inside a continued RUN",
                " && apt-get install -y curl",
                "FROM b:2");
        assertEquals(2, f.stages().size());
        assertEquals("build", f.stages().get(0).name());
        assertNull(f.stages().get(1).name());
        Dockerfile.Instruction run = f.stages().get(0).all("RUN").get(0);
        assertEquals("apt-get update && apt-get install -y curl", run.args());
        assertEquals(3, run.line());
    }

    @Test
    void readsExecFormAndFlags() {
        Dockerfile f = parse(
                "FROM a:1",
                "COPY --from=build --chown=1:1 /src/x.jar /app/x.jar",
                "ENTRYPOINT [\"java\", \"-jar\", \"/app/x.jar\"]");
        Dockerfile.Instruction copy = f.finalStage().last("COPY").orElseThrow();
        assertEquals("build", copy.flag("from").orElseThrow());
        assertEquals(List.of("/src/x.jar", "/app/x.jar"), copy.operands());
        assertEquals(List.of("java", "-jar", "/app/x.jar"), f.finalStage().last("ENTRYPOINT").orElseThrow().words());
    }

    @Test
    void instructionBeforeFrom_isRejected() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parse("RUN true", "FROM a:1"));
        assertTrue(e.getMessage().contains("RUN before FROM"), e.getMessage());
    }

    @Test
    void danglingContinuation_isRejected() {
        assertThrows(IllegalStateException.class, () -> parse("FROM a:1", "RUN true \\"));
    }
}
