package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResultTableTest {

  private static String print(ResultTable table) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void pipelineRowShowsRatioToItsCeilingAndStageShares() {
    ResultTable table = new ResultTable();
    table.add(new ResultTable.Row("w", "pipeline batched", 8, 2.0, 9.0, 10.0,
        Percentiles.of(new double[] {100, 200}), 38_535_000, 1_900,
        new StageShares(1, 1, 2, 4, 1, 1)));
    String[] lines = print(table).split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[2].contains("|     0.90 |") || lines[2].contains("|   0.90 |"), lines[2]);
    assertTrue(lines[2].contains("8/2.0"), lines[2]);
    assertTrue(lines[2].contains("38535000"), lines[2]);
    assertTrue(lines[2].contains("10/10/20/40/10/10 (10 ms/img)"), lines[2]);
  }

  @Test
  void ceilingRowHasNoRatioNoBytesNoShares() {
    ResultTable table = new ResultTable();
    table.add(new ResultTable.Row("w", "ceiling", 1, Double.NaN, 4.0, Double.NaN,
        Percentiles.of(new double[] {250}), 0, 0, StageShares.NONE));
    String row = print(table).split("\n")[2];
    assertTrue(row.matches("\\| w +\\| ceiling +\\| +1 \\| +4\\.00 \\| +- \\| +250 \\| .*"), row);
    assertTrue(row.matches(".*\\| -\\s+\\|$"), row);
  }
}
