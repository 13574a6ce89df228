package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainErrorOutputTest {
  @TempDir Path dir;

  @Test
  void aCommandConfigTheKafkaClientRefusesGivesItsReasonsWithoutAStackTrace() throws Exception {
    // SASL without a JAAS entry: the producer's constructor refuses it before any connection
    Path config = Files.writeString(dir.resolve("client.properties"),
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n");
    Path images = Files.createDirectories(dir.resolve("images"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc = Main.execute("produce", "--bootstrap", "127.0.0.1:1", "--registry", "http://127.0.0.1:1",
          "--command-config", config.toString(), images.toString());
    } finally {
      System.setErr(old);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, rc, text);
    assertTrue(text.contains("error: Failed to construct kafka producer"), text);
    assertTrue(text.contains("caused by ") && text.contains("JAAS"), text);
    assertFalse(text.contains("\tat "), "no stack trace:\n" + text);
  }
}
