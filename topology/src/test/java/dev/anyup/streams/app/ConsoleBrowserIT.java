package dev.anyup.streams.app;

import dev.anyup.streams.retrieval.EmbeddingIndexTest;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.console.ClickSegmenter;
import dev.anyup.streams.serdes.SpecificAvroSerde;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.TestImages;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.logging.Level;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The web console in a real headless browser (Debian's {@code chromium} through its {@code chromedriver}; set
 * {@code -Dchromedriver=PATH} and {@code -Dchromium=PATH} elsewhere) against the real app, broker and registry: tiles
 * appear and update as images arrive, a click draws the heat map of the server-side {@link ClickSegmenter} answer
 * for the record on the dense topic, a corrupt image is listed as a dead letter with its bytes, similar-image search
 * (from the app's own embeddings) and an upload both rank like a brute force over the embeddings topic with the image
 * itself first, and the page logs no errors. Fails, never skips, without a browser: {@code .ci/run} installs one.
 */
@ExtendWith(SharedStack.class)
class ConsoleBrowserIT {
  private static final String CHROMEDRIVER = System.getProperty("chromedriver", "/usr/bin/chromedriver");
  private static final String CHROMIUM = System.getProperty("chromium", "/usr/bin/chromium");

  static ChromeDriver browser() {
    assertTrue(new File(CHROMEDRIVER).canExecute() && new File(CHROMIUM).canExecute(), "the console's browser test "
        + "needs " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install chromium chromium-driver; .ci/run does)");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1280,900");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  @Test
  void showsTilesAsImagesArriveSegmentsAClickLikeTheServerAndListsDeadLetters() throws Exception {
    LocalStack stack = SharedStack.stack();
    String prefix = "console-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    AppConfig cfg = ItSupport.config(stack, prefix, Map.of("console.enabled", "true", "console.port", "0",
        "console.upload.enabled", "true"));
    ChromeDriver driver = browser();
    try (AnyupApp app = AnyupApp.start(cfg);
        ItSupport.Client client = new ItSupport.Client(app.config())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
      String base = "http://127.0.0.1:" + app.consolePort();
      driver.get(base + "/");

      byte[] img1 = TestImages.pattern(160, 120, 1, "png");
      client.send("cam-1", client.event("img-1", "cam-1", img1));
      client.send("cam-2", client.event("img-2", "cam-2", TestImages.pattern(96, 128, 2, "jpg")));
      client.flush();
      await().atMost(Duration.ofSeconds(90)).until(() -> tiles(driver).containsAll(List.of("img-1", "img-2")));
      client.send("cam-1", client.event("img-3", "cam-1", TestImages.pattern(200, 100, 3, "png")));
      client.flush();
      await().atMost(Duration.ofSeconds(90)).until(() -> tiles(driver).contains("img-3"));

      // click the middle of img-3's picture; the page asks the server to segment there
      // (the tiles are redrawn when a poll brings news, so a found element may go stale before the click lands)
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        WebElement picture = driver.findElement(By.cssSelector(".tile[data-image-id='img-3'] img.src.segmentable"));
        new Actions(driver).moveToElement(picture).click().perform();
        return true;
      });
      WebElement heat = driver.findElement(By.id("heat"));
      await().atMost(Duration.ofSeconds(30)).until(() -> "img-3".equals(heat.getAttribute("data-image-id"))
          && "true".equals(heat.getAttribute("data-ready")));
      DenseFeatures record = denseRecord(client, app.config(), "img-3");
      ClickSegmenter.Segmentation expected = ClickSegmenter.segment(record,
          Double.parseDouble(heat.getAttribute("data-x")), Double.parseDouble(heat.getAttribute("data-y")),
          Double.parseDouble(heat.getAttribute("data-threshold")));
      assertEquals(expected.featureX(), Integer.parseInt(heat.getAttribute("data-feature-x")));
      assertEquals(expected.featureY(), Integer.parseInt(heat.getAttribute("data-feature-y")));
      assertArrayEquals(expected.similarity(), floats(heat.getAttribute("data-similarity")), 1e-6f);
      // the drawn pixels are the colour map of those values, and the mask is their threshold
      Number heatError = (Number) driver.executeScript("""
          const c = document.getElementById('heat'), m = document.getElementById('mask');
          const sim = new Float32Array(Uint8Array.from(atob(c.dataset.similarity), ch => ch.charCodeAt(0)).buffer);
          const h = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const k = m.getContext('2d').getImageData(0, 0, m.width, m.height).data;
          let worst = 0;
          for (let p = 0; p < sim.length; p++) {
            const rgb = heatColor(sim[p]);
            for (let i = 0; i < 3; i++) { worst = Math.max(worst, Math.abs(h[4 * p + i] - rgb[i])); }
            worst = Math.max(worst, Math.abs(k[4 * p] - (sim[p] >= Number(c.dataset.threshold) ? 255 : 0)));
          }
          return worst;""");
      assertTrue(heatError.intValue() <= 1, "heat map and mask pixels differ from the values by " + heatError);

      // a corrupt image is listed with its stage, reason and a download of the original bytes
      byte[] corrupt = client.event("broken", "cam-1", TestImages.corruptJpeg());
      client.send("cam-1", corrupt);
      client.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> (Boolean) driver.executeScript("return document"
          + ".querySelector(\"#dead-letters tr[data-stage='decode'][data-reason='CORRUPT']\") !== null"));
      String href = (String) driver.executeScript(
          "return document.querySelector(\"#dead-letters tr[data-reason='CORRUPT'] a\").href");
      byte[] downloaded = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href)).build(),
          HttpResponse.BodyHandlers.ofByteArray()).body();
      assertArrayEquals(corrupt, downloaded);

      // the charts have data
      await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(
          driver.findElement(By.id("chart-throughput")).getAttribute("data-points")) > 0);

      // similar images of the clicked img-3, from the app's own committed embeddings: itself first (score 1), then
      // the others in the order a brute force over the embeddings topic gives (asked once the follower has img-3,
      // so the page never sees a 404)
      await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.httpGet(app.consolePort(),
          "/api/similar?image=img-3&k=1") == 200);
      Map<String, float[]> embeddings = embeddings(client, app.config());
      driver.findElement(By.id("similar-button")).click();
      await().atMost(Duration.ofSeconds(30)).until(() -> "img-3".equals(
          driver.findElement(By.id("similar")).getAttribute("data-query")));
      List<String> expected3 = bruteForce(embeddings, embeddings.get("img-3"));
      assertEquals(expected3, shownNeighbours(driver));
      assertEquals(1.0, firstScore(driver), 1e-5, "the image itself first, cosine 1");

      // upload img-1's file: embedded by the same bundle, it finds img-1 first with cosine 1
      Path uploads = Files.createTempDirectory("console-upload");
      Path upload = Files.write(uploads.resolve("img-1.png"), img1);
      try {
        driver.findElement(By.id("upload-file")).sendKeys(upload.toAbsolutePath().toString());
        driver.findElement(By.id("upload-button")).click();
        await().atMost(Duration.ofSeconds(60)).until(() -> "(upload)".equals(
            driver.findElement(By.id("similar")).getAttribute("data-query")));
      } finally {
        Files.delete(upload);
        Files.delete(uploads);
      }
      assertEquals(bruteForce(embeddings, embeddings.get("img-1")), shownNeighbours(driver));
      assertEquals(1.0, firstScore(driver), 1e-5, "the uploaded image's stored twin first, cosine 1");

      Path shot = Path.of("target", "console.png");
      Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));

      List<LogEntry> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
          .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
      assertEquals(List.of(), errors.stream().map(LogEntry::getMessage).toList(), "browser console errors");
    } finally {
      driver.quit();
    }
  }

  private static List<String> tiles(ChromeDriver driver) {
    // read in one script: the page redraws its tiles while it polls
    List<?> ids = (List<?>) driver.executeScript(
        "return [...document.querySelectorAll('.tile')].map(t => t.dataset.imageId)");
    return ids.stream().map(String::valueOf).toList();
  }

  private static List<String> shownNeighbours(ChromeDriver driver) {
    List<?> ids = (List<?>) driver.executeScript(
        "return [...document.querySelectorAll('#similar li')].map(li => li.dataset.imageId)");
    return ids.stream().map(String::valueOf).toList();
  }

  private static double firstScore(ChromeDriver driver) {
    return Double.parseDouble(driver.findElement(By.cssSelector("#similar li")).getAttribute("data-score"));
  }

  /** The global vectors of the processed images, read back from the embeddings topic. */
  private static Map<String, float[]> embeddings(ItSupport.Client client, AppConfig cfg) {
    SpecificAvroSerde<ImageEmbedding> serde = client.serde(ImageEmbedding.class);
    Map<String, float[]> out = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : client.collect(3, 3, 1, Duration.ofSeconds(60)).embeddings()) {
      ImageEmbedding e = serde.deserializer().deserialize(cfg.topics().embeddings(), r.value());
      float[] v = new float[e.getVector().size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = e.getVector().get(i);
      }
      out.put(e.getImageId(), v);
    }
    assertEquals(List.of("img-1", "img-2", "img-3"), List.copyOf(out.keySet()));
    return out;
  }

  /** Every stored image ranked by cosine to {@code q} in double precision, best first (at most the page's 5). */
  private static List<String> bruteForce(Map<String, float[]> stored, float[] q) {
    return stored.entrySet().stream()
        .sorted(Comparator.comparingDouble((Map.Entry<String, float[]> e) -> -EmbeddingIndexTest.cosine(q, e.getValue())))
        .limit(5).map(Map.Entry::getKey).toList();
  }

  private static DenseFeatures denseRecord(ItSupport.Client client, AppConfig cfg, String imageId) {
    SpecificAvroSerde<DenseFeatures> serde = client.serde(DenseFeatures.class);
    for (ConsumerRecord<byte[], byte[]> r : client.collect(3, 3, 0, Duration.ofSeconds(60)).dense()) {
      DenseFeatures d = serde.deserializer().deserialize(cfg.topics().dense(), r.value());
      if (d.getImageId().equals(imageId)) {
        return d;
      }
    }
    throw new AssertionError("no dense record of " + imageId + " on " + cfg.topics().dense());
  }

  private static float[] floats(String base64) {
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }
}
