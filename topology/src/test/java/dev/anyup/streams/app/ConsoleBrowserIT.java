package dev.anyup.streams.app;

import dev.anyup.streams.retrieval.EmbeddingIndexTest;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.app.local.LocalStack;
import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.console.ClickSegmenter;
import dev.anyup.streams.models.segmentation.PixelSimilarity;
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
        "console.upload.enabled", "true", "frames.max.age.ms", "600000"));
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
      // sources in id order whichever was updated last (cam-2's image came last here)
      assertEquals(List.of("cam-1", "cam-2"), sourceOrder(driver));
      client.send("cam-1", client.event("img-3", "cam-1", TestImages.pattern(200, 100, 3, "png")));
      client.flush();
      await().atMost(Duration.ofSeconds(90)).until(() -> tiles(driver).contains("img-3"));
      assertEquals(List.of("cam-1", "cam-2"), sourceOrder(driver));

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
      PixelSimilarity.Segmentation expected = ClickSegmenter.segment(record,
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

      // img-3 is 200x100: the tile draws the part the model saw, the heat map and mask lie over the image on that
      // part, and the clicked pixel is marked; positions within 1 CSS pixel of the record's preprocessing
      var pre = record.getPreprocessing();
      double[] seen = {pre.getCropX() - pre.getPadX() / pre.getScaleX(),
          pre.getCropY() - pre.getPadY() / pre.getScaleY(), pre.getInputWidth() / pre.getScaleX(),
          pre.getInputHeight() / pre.getScaleY()};
      assertTrue(seen[2] < 200 - 1, "a centre crop of the non-square image: the model saw " + seen[2] + " of 200 px");
      double clickX = Double.parseDouble(heat.getAttribute("data-x"));
      double clickY = Double.parseDouble(heat.getAttribute("data-y"));
      assertPlaced(driver, ".tile[data-image-id='img-3'] .frame", ".tile[data-image-id='img-3'] .crop", 112, 200, 100,
          seen);
      assertPlaced(driver, "#heat", null, 170, 200, 100, seen);
      assertPlaced(driver, "#mask", null, 170, 200, 100, seen);
      assertMarked(driver, ".tile[data-image-id='img-3'] .frame", 112, 200, 100, clickX, clickY);
      assertMarked(driver, "#heat", 170, 200, 100, clickX, clickY);

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

      // a second dead-letter reason: both names of the chart's legend lie inside the canvas, without overlapping
      client.send("cam-1", new byte[] {1, 2, 3});
      client.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> ((List<?>) driver.executeScript(
          "return JSON.parse(document.getElementById('chart-dead').dataset.legend || '[]')")).size() == 2);
      List<?> legend = (List<?>) driver.executeScript(
          "return JSON.parse(document.getElementById('chart-dead').dataset.legend)");
      double right = -1;
      double line = -1;
      for (Object entry : legend) {
        List<?> box = (List<?>) entry;
        double x = ((Number) box.get(0)).doubleValue();
        double y = ((Number) box.get(1)).doubleValue();
        double width = ((Number) box.get(2)).doubleValue();
        assertTrue(x + width <= 220, "legend entry " + box + " is clipped by the 220 px canvas");
        assertTrue(y != line || x >= right, "legend entries overlap: " + legend);
        right = x + width;
        line = y;
      }

      // the charts have data, and after 4 images the throughput is above zero somewhere on the chart
      await().atMost(Duration.ofSeconds(30)).until(() -> Integer.parseInt(
          driver.findElement(By.id("chart-throughput")).getAttribute("data-points")) > 0);
      await().atMost(Duration.ofSeconds(30)).until(() -> Double.parseDouble(
          driver.findElement(By.id("chart-throughput")).getAttribute("data-max")) > 0);

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

      // the frames-policy panel: a frame captured an hour ago is skipped STALE, counted for its source
      ImageEvent stale = ImageFiles.event("old-1", "cam-2", "old-1", TestImages.pattern(40, 30, 6, "png"),
          java.time.Instant.now().minusSeconds(3600));
      client.send("cam-2", client.serde(ImageEvent.class).serializer().serialize(cfg.topics().input(), stale));
      client.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> "1".equals(driver.executeScript(
          "const r = document.querySelector(\"#frames tr[data-source='cam-2']\"); return r && r.dataset.stale")));
      assertEquals("2", driver.executeScript(
          "return document.querySelector(\"#frames tr[data-source='cam-1']\").dataset.processed + ''"),
          "cam-1's processed frames: img-1 and img-3 (the corrupt one is a dead letter)");

      // pause: the tiles stay as they are while images arrive; resume shows them, sources still in id order
      driver.findElement(By.id("pause")).click();
      client.send("cam-2", client.event("img-4", "cam-2", TestImages.pattern(120, 90, 4, "png")));
      client.flush();
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(90)).until(() -> http.send(HttpRequest.newBuilder(URI.create(base
          + "/api/recent")).build(), HttpResponse.BodyHandlers.ofString()).body().contains("\"img-4\""));
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !tiles(driver).contains("img-4"));
      driver.findElement(By.id("pause")).click();
      await().atMost(Duration.ofSeconds(10)).until(() -> tiles(driver).contains("img-4"));
      assertEquals(List.of("cam-1", "cam-2"), sourceOrder(driver));

      Path shot = Path.of("target", "console.png");
      Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));

      // a phone-sized window: the page wraps instead of scrolling sideways
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(420, 900));
      await().atMost(Duration.ofSeconds(10)).until(() -> (Boolean) driver.executeScript(
          "return window.innerWidth <= 440"));
      Number overflow = (Number) driver.executeScript(
          "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      assertEquals(0, overflow.intValue(), "the page scrolls sideways at 420 px by " + overflow + " px");

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

  private static List<String> sourceOrder(ChromeDriver driver) {
    List<?> ids = (List<?>) driver.executeScript(
        "return [...document.querySelectorAll('#sources .source')].map(s => s.dataset.sourceId)");
    return ids.stream().map(String::valueOf).toList();
  }

  /**
   * The element {@code inner} (or {@code box} itself) lies, within 1 CSS pixel, on the source rectangle {@code seen}
   * (x, y, width, height in source pixels) of a {@code w}x{@code h} image fitted into the {@code side}-pixel square
   * {@code box} (for a canvas: its parent view).
   */
  private static void assertPlaced(ChromeDriver driver, String box, String inner, int side, int w, int h,
      double[] seen) {
    List<?> r = (List<?>) driver.executeScript("""
        const el = document.querySelector(arguments[0]);
        const target = arguments[1] ? document.querySelector(arguments[1]) : el;
        const frame = arguments[1] ? el.getBoundingClientRect() : el.parentElement.getBoundingClientRect();
        const b = target.getBoundingClientRect();
        const inset = arguments[1] ? 0 : el.parentElement.clientLeft;
        return [b.left - frame.left - inset, b.top - frame.top - inset, b.width, b.height];""", box, inner);
    double s = Math.min((double) side / w, (double) side / h);
    double ox = (side - w * s) / 2;
    double oy = (side - h * s) / 2;
    double[] want = {ox + seen[0] * s, oy + seen[1] * s, seen[2] * s, seen[3] * s};
    for (int i = 0; i < 4; i++) {
      assertEquals(want[i], ((Number) r.get(i)).doubleValue(), 1.0, (inner != null ? inner : box)
          + " [left, top, width, height] " + r + " vs " + java.util.Arrays.toString(want));
    }
  }

  /** The clicked-pixel marker in {@code box} (for a canvas: its view) is centred, within 1.5 px, on (x, y). */
  private static void assertMarked(ChromeDriver driver, String box, int side, int w, int h, double x, double y) {
    List<?> r = (List<?>) driver.executeScript("""
        let el = document.querySelector(arguments[0]);
        if (el.tagName === 'CANVAS') { el = el.parentElement; }
        const frame = el.getBoundingClientRect();
        const m = el.querySelector('.clicked').getBoundingClientRect();
        return [m.left + m.width / 2 - frame.left - el.clientLeft,
            m.top + m.height / 2 - frame.top - el.clientTop];""",
        box);
    double s = Math.min((double) side / w, (double) side / h);
    assertEquals((side - w * s) / 2 + x * s, ((Number) r.get(0)).doubleValue(), 1.5, box + " marker x " + r);
    assertEquals((side - h * s) / 2 + y * s, ((Number) r.get(1)).doubleValue(), 1.5, box + " marker y " + r);
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
