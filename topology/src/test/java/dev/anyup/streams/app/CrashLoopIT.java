package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: one valid image must not crash-loop an instance. Both cases run the app as a child JVM ({@code Main run})
 * on a one-partition input, so that the records after the image wait behind it.
 *
 * <ul>
 *   <li>The case: a 48 Mpx JPEG (under the 50 Mpx default limit) at {@code -Xmx320m}, which ended in an
 *       OutOfMemoryError after every restart. The memory admission lowers the effective pixel limit at start (one WARN
 *       line with the numbers), the image is a {@code decode/TOO_MANY_PIXELS} dead letter, the next images are
 *       processed, and the instance never dies.
 *   <li>The breaker behind it: whatever kills the instance while it processes one record (here a SIGKILL at the moment
 *       the crash-loop file names that record, standing for an OutOfMemoryError or the kernel's OOM killer), twice in
 *       a row; the third instance dead-letters it with {@code process/CRASH_LOOP} and processes the rest. Every record
 *       exactly once at the end.
 * </ul>
 */
@ExtendWith(SharedStack.class)
class CrashLoopIT {
  @TempDir Path dir;

  @Test
  void a48MegapixelJpegAtXmx320mIsADeadLetterAndTheInstanceGoesOn() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "oom-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("topics.partitions", "1"));
    int port = ItSupport.freePort();
    Path log = dir.resolve("app.log");
    byte[] big = jpeg(8000, 6000);
    System.out.printf("CrashLoopIT: 8000x6000 JPEG of %,d bytes%n", big.length);
    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      Process app = ItSupport.startApp(writeConfig(stack, prefix, port), log,
          List.of("-Xmx320m", ItSupport.productionLogging()), Map.of());
      try {
        ItSupport.awaitReady(app, port, log);
        String admission = Files.readAllLines(log).stream().filter(l -> l.contains("memory admission"))
            .findFirst().orElseThrow(() -> new AssertionError("no admission line: " + ItSupport.tail(log)));
        System.out.println("CrashLoopIT: " + admission);
        assertTrue(admission.contains(" WARN ") && admission.contains("lowered from 50,000,000 to"), admission);
        client.send("cam-0", client.event("big", "cam-0", "image/jpeg", big));
        List<String> small = List.of("after-1", "after-2", "after-3");
        for (int i = 0; i < small.size(); i++) {
          client.send("cam-0", client.event(small.get(i), "cam-0", TestImages.pattern(96, 64, i, "png")));
        }
        client.flush();
        ItSupport.Outputs out = client.collect(3, 3, 1, Duration.ofSeconds(180));
        assertEquals(1, out.deadLetters().size(), () -> "one dead letter: " + ItSupport.tail(log));
        ConsumerRecord<byte[], byte[]> dl = out.deadLetters().get(0);
        assertEquals("decode", ItSupport.header(dl, "anyup.dlq.stage"));
        assertEquals("TOO_MANY_PIXELS", ItSupport.header(dl, "anyup.dlq.reason"));
        assertEquals(small, ids(client, out.dense()), "the images after it, once each, in order");
        assertEquals(3, out.embeddings().size());
        assertTrue(app.isAlive(), "the instance never died");
        assertFalse(Files.readString(log).contains("OutOfMemoryError"), "no OutOfMemoryError");
      } finally {
        app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRecordTheInstanceDiesOnTwiceIsADeadLetterOnTheThirdStart() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "loop-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("topics.partitions", "1"));
    Path temp = dir.resolve("app-temp");
    // the breaker's file for the input's only partition (CrashLoopBreaker.of: app.temp.dir/crash-loop/<app id>)
    Path state = temp.resolve("crash-loop").resolve(cfg.applicationId()).resolve(cfg.topics().input() + "-0");
    // heavy enough (decode and resize of 6 Mpx) that it is still in process when the test sees its file
    byte[] heavy = jpeg(3000, 2000);
    List<String> report = new ArrayList<>();
    try (ItSupport.Client client = new ItSupport.Client(cfg)) {
      // the topic exists once an instance has started; send after the first start
      for (int death = 1; death <= 2; death++) {
        int port = ItSupport.freePort();
        Path log = dir.resolve("dies-" + death + ".log");
        Process app = ItSupport.startApp(writeConfig(stack, prefix, port, temp), log, "-Xmx512m");
        try {
          if (death == 1) {
            ItSupport.awaitReady(app, port, log);
            client.send("cam-0", client.event("heavy", "cam-0", "image/jpeg", heavy));
            for (int i = 0; i < 3; i++) {
              client.send("cam-0", client.event("after-" + (i + 1), "cam-0", TestImages.pattern(96, 64, i, "png")));
            }
            client.flush();
          }
          int expected = death;
          await().alias("instance " + death + " processing offset 0").atMost(Duration.ofSeconds(180))
              .pollInterval(Duration.ofMillis(5))
              .until(() -> !app.isAlive() || read(state).equals("0 " + expected));
          assertTrue(app.isAlive(), () -> "died by itself: " + ItSupport.tail(log));
          app.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL mid-record
          assertEquals("0 " + death, read(state), "killed while the record was still in process");
          report.add("death " + death + ": SIGKILL while offset 0 was in process (state '" + read(state) + "')");
        } finally {
          app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      }
      int port = ItSupport.freePort();
      Path log = dir.resolve("third.log");
      Process app = ItSupport.startApp(writeConfig(stack, prefix, port, temp), log, "-Xmx512m");
      try {
        ItSupport.Outputs out = client.collect(3, 3, 1, Duration.ofSeconds(240));
        assertEquals(1, out.deadLetters().size(), () -> "one dead letter: " + ItSupport.tail(log));
        ConsumerRecord<byte[], byte[]> dl = out.deadLetters().get(0);
        assertEquals("process", ItSupport.header(dl, "anyup.dlq.stage"));
        assertEquals("CRASH_LOOP", ItSupport.header(dl, "anyup.dlq.reason"));
        assertTrue(dl.value().length > heavy.length, "the dead letter carries the original record");
        assertTrue(ItSupport.header(dl, "anyup.dlq.message").contains("died 2 times in a row"),
            ItSupport.header(dl, "anyup.dlq.message"));
        assertEquals(List.of("after-1", "after-2", "after-3"), ids(client, out.dense()),
            "the records after it, once each");
        assertEquals(3, out.embeddings().size(), "one embedding each");
        assertTrue(app.isAlive());
        assertFalse(Files.exists(state), "nothing left in process");
        report.add("third start: dead letter " + ItSupport.header(dl, "anyup.dlq.message"));
        System.out.println("CrashLoopIT:\n" + String.join("\n", report));
      } finally {
        app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> ids(ItSupport.Client client, List<ConsumerRecord<byte[], byte[]>> dense) {
    var serde = client.serde(DenseFeatures.class);
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : dense) {
      ids.add(serde.deserializer().deserialize(r.topic(), r.value()).getImageId());
    }
    return ids;
  }

  private static String read(Path f) {
    try {
      return Files.readString(f).trim();
    } catch (IOException e) {
      return "(none)";
    }
  }

  /** A colour JPEG of {@code w}×{@code h}: a smooth gradient, so the file stays a few MB. */
  static byte[] jpeg(int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    byte[] px = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int y = 0, i = 0; y < h; y++) {
      for (int x = 0; x < w; x++, i += 3) {
        px[i] = (byte) (x * 255 / w);
        px[i + 1] = (byte) (y * 255 / h);
        px[i + 2] = (byte) ((x + y) & 0xff);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }



  private Path writeConfig(LocalStack stack, String prefix, int httpPort) throws IOException {
    return writeConfig(stack, prefix, httpPort, dir.resolve("app-temp"));
  }

  private Path writeConfig(LocalStack stack, String prefix, int httpPort, Path temp) throws IOException {
    return ItSupport.writeAppConfig(dir.resolve("app-" + httpPort + ".yaml"), stack, prefix, 1, httpPort,
        "output.dense.size", "28", "app.temp.dir", temp.toString());
  }
}
