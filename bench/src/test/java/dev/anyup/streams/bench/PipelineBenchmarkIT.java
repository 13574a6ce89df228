package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The smoke run of the benchmark against the real local stack: it completes and prints its table. No timings. */
class PipelineBenchmarkIT {

  @Test
  void smokeRunCompletesAndPrintsTheTable(@TempDir Path work) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new PipelineBenchmark()).execute("--smoke", "--work-dir", work.toString());
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    original.print(out);
    assertEquals(0, code, out);
    assertTrue(out.contains("| workload "), out);
    for (String run : new String[] {"ceiling", "pipeline batched", "pipeline batch 1", "light 500ms"}) {
      assertTrue(out.contains("| " + PipelineBenchmark.DEFAULT_224), out);
      assertTrue(out.contains(run), "no '" + run + "' row in\n" + out);
    }
  }
}
