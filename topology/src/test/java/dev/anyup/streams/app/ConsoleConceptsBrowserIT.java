package dev.anyup.streams.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.segmentation.ConceptTopic;
import dev.anyup.streams.segmentation.LabelPalette;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * "Define a concept" in a real headless browser against the real app ({@code segmentation.head: concepts},
 * {@code console.concepts.enabled: true}), broker and registry: the user picks points on a recent tile, names the
 * concept and saves; the console writes it to the concepts topic (acknowledged), the pipeline applies it, and later
 * frames carry an overlay, placed on the region the model saw, whose legend names the concept. Fails, never skips,
 * without a browser (see {@link ConsoleBrowserIT}).
 */
@ExtendWith(SharedStack.class)
class ConsoleConceptsBrowserIT {
  private static final int W = 240;
  private static final int H = 160;

  @Test
  void conceptDefinedByClickingInTheConsoleLabelsLaterFramesWithAnOverlayAndLegend() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "console-concepts-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("console.enabled", "true", "console.port", "0",
        "console.concepts.enabled", "true", "console.render.max.per.second", "10", "segmentation.head", "concepts",
        "segmentation.topic", prefix + "segments", "segmentation.concepts.topic", prefix + "concepts"));
    byte[] image = halves();
    // created up front (compacted, one partition) and awaited until the broker describes it: the app's own
    // TopicProvisioner.ensureConcepts describes a topic right after creating it, which a fresh broker may not know yet
    try (ConceptTopic topic = new ConceptTopic(cfg, prefix + "concepts", Duration.ofSeconds(30));
        Admin admin = Admin.create(cfg.adminProperties())) {
      topic.ensure();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> admin.describeTopics(
          List.of(prefix + "concepts")).allTopicNames().get().size() == 1);
    }
    ChromeDriver driver = ConsoleBrowserIT.browser();
    try (AnyupApp app = AnyupApp.start(cfg); ItSupport.Client client = new ItSupport.Client(app.config())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
      driver.get("http://127.0.0.1:" + app.consolePort() + "/");
      await().atMost(Duration.ofSeconds(30)).until(() -> driver.findElement(By.id("define")).isDisplayed());

      client.send("cam-1", client.event("f-0", "cam-1", image));
      client.flush();
      await().atMost(Duration.ofSeconds(90)).until(() -> (Boolean) driver.executeScript(
          "return document.querySelector(\".tile[data-image-id='f-0'] img.src.definable\") !== null"));

      // pick three points on the red (left) half the model sees, name the concept, save
      driver.findElement(By.id("define-mode")).click();
      for (int dy : new int[] {-12, 0, 12}) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          WebElement picture = driver.findElement(By.cssSelector(".tile[data-image-id='f-0'] img.src"));
          new Actions(driver).moveToElement(picture, -25, dy).click().perform();
          return true;
        });
      }
      WebElement define = driver.findElement(By.id("define"));
      await().atMost(Duration.ofSeconds(10)).until(() -> Integer.parseInt(define.getAttribute("data-points")) >= 3);
      assertEquals("f-0", define.getAttribute("data-image-id"));
      driver.findElement(By.id("concept-name")).sendKeys("red-paint");
      WebElement threshold = driver.findElement(By.id("concept-threshold"));
      threshold.clear();
      threshold.sendKeys("0.8");
      driver.findElement(By.id("concept-save")).click();
      WebElement status = driver.findElement(By.id("define-status"));
      await().atMost(Duration.ofSeconds(60)).until(() -> !"saving".equals(status.getAttribute("data-state"))
          && status.getAttribute("data-state") != null && !"picked".equals(status.getAttribute("data-state")));
      assertEquals("saved", status.getAttribute("data-state"), status.getText());
      long offset = Long.parseLong(status.getAttribute("data-offset"));

      // it is on the concepts topic, acknowledged, built by the console from the tile's image
      try (ConceptTopic topic = new ConceptTopic(cfg, prefix + "concepts", Duration.ofSeconds(30))) {
        ConceptTopic.Entry e = topic.read().concepts().get(0);
        assertEquals("red-paint", e.name());
        assertEquals(offset, e.offset());
        assertEquals("console", e.concept().getCreatedBy());
        assertEquals(0.8, e.concept().getThreshold(), 1e-12);
      }

      // later frames: the pipeline applies the concept, the console draws their label maps with the concept named
      AtomicInteger frame = new AtomicInteger();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() -> {
        client.send("cam-1", client.event("f-" + frame.incrementAndGet(), "cam-1", image));
        client.flush();
        return (Boolean) driver.executeScript("return document.querySelector(\"#legend .item[data-name='red-paint']\")"
            + " !== null");
      });
      String shown = driver.findElement(By.id("legend")).getAttribute("data-image-id");
      assertTrue(shown.startsWith("f-") && !shown.equals("f-0"), "a later frame's label map: " + shown);
      WebElement item = driver.findElement(By.cssSelector("#legend .item[data-name='red-paint']"));
      assertEquals(LabelPalette.css(1), item.getAttribute("data-color"));
      assertTrue(item.getText().matches("red-paint [1-9][0-9]* px"), item.getText());
      // the overlay covers the part of the source the model saw: x 40..200 of 240, all of the height, drawn in the
      // 112 px tile at 112/240 px per source pixel, centred vertically
      List<?> box = (List<?>) driver.executeScript("""
          const o = document.querySelector(".tile[data-image-id='" + arguments[0] + "'] img.overlay");
          const f = o.parentElement.getBoundingClientRect(), r = o.getBoundingClientRect();
          return [r.left - f.left, r.top - f.top, r.width, r.height, o.complete && o.naturalWidth > 0];""", shown);
      double s = 112.0 / W;
      assertEquals(40 * s, ((Number) box.get(0)).doubleValue(), 0.5);
      assertEquals((112 - H * s) / 2, ((Number) box.get(1)).doubleValue(), 0.5);
      assertEquals(160 * s, ((Number) box.get(2)).doubleValue(), 0.5);
      assertEquals(H * s, ((Number) box.get(3)).doubleValue(), 0.5);
      assertEquals(Boolean.TRUE, box.get(4), "the overlay PNG loaded");

      Files.write(Path.of("target", "console-concepts.png"), driver.getScreenshotAs(OutputType.BYTES));
      List<LogEntry> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
          .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
      assertEquals(List.of(), errors.stream().map(LogEntry::getMessage).toList(), "browser console errors");
    } finally {
      driver.quit();
    }
  }

  /** Left half red, right half blue. */
  private static byte[] halves() {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(220, 30, 30));
    g.fillRect(0, 0, W / 2, H);
    g.setColor(new Color(30, 40, 220));
    g.fillRect(W / 2, 0, W - W / 2, H);
    g.dispose();
    return TestImages.encode(img, "png");
  }
}
