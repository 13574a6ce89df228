package dev.anyup.streams.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ImagePipeline;
import dev.anyup.streams.topology.PipelineMetrics;
import dev.anyup.streams.topology.TestImages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Concepts from examples: source regions mapped through the pipeline's own transform onto the upsampled grid. */
class ConceptBuilderTest {
  private static final AppConfig CFG = AppConfig.defaults("unused:9092", "mock://concept-builder-test");
  private static ConceptBuilder builder;

  @BeforeAll
  static void load() {
    builder = ConceptBuilder.create(ModelBundle.loadDefault(InferenceOptions.defaults()), CFG);
  }

  @AfterAll
  static void close() {
    builder.close();
  }

  private static Preprocessor crop(int size) {
    return Preprocessor.create(size, ResizeMode.SHORTER_SIDE_CENTER_CROP, new float[] {0, 0, 0},
        new float[] {1, 1, 1});
  }

  @Test
  void boxOverTheLeftHalfOfTheCentreCropSelectsTheLeftHalfOfTheGrid() {
    // 100x50 at 28: scaled by 0.56 to 56x28, the centre 28 columns kept, i.e. source x 25..75
    ImageTransform t = crop(28).transformFor(100, 50);
    assertEquals(25.0, t.cropX(), 1e-9);
    boolean[] mask = ConceptBuilder.mask(t, 28, 28, new ConceptBuilder.Box(25, 0, 25, 50));
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        assertEquals(x <= 13, mask[y * 28 + x], "feature pixel (" + x + ", " + y + ")");
      }
    }
  }

  @Test
  void gridSmallerThanTheInputScalesTheMapping() {
    // the same box on a 14x14 grid (an upsampler whose output is half the input): columns 0..6
    boolean[] mask = ConceptBuilder.mask(crop(28).transformFor(100, 50), 14, 14,
        new ConceptBuilder.Box(25, 0, 25, 50));
    for (int x = 0; x < 14; x++) {
      assertEquals(x <= 6, mask[3 * 14 + x], "column " + x);
    }
  }

  @Test
  void pointSmallerThanAFeaturePixelStillSelectsThePixelUnderIt() {
    ImageTransform t = crop(28).transformFor(1000, 1000);
    // one source pixel is 0.028 feature pixels: no feature pixel centre lies within radius 0 of the point
    boolean[] mask = ConceptBuilder.mask(t, 28, 28, new ConceptBuilder.Points(List.<double[]>of(
        new double[] {500.2, 100.7}), 0));
    int selected = 0;
    for (boolean b : mask) {
      selected += b ? 1 : 0;
    }
    assertEquals(1, selected);
    assertTrue(mask[(int) (100.7 * 0.028) * 28 + (int) (500.2 * 0.028)]);
  }

  @Test
  void letterboxPaddingIsNeverPartOfTheRegion() {
    Preprocessor letterbox = Preprocessor.create(28, ResizeMode.LETTERBOX, new float[] {0, 0, 0},
        new float[] {1, 1, 1});
    ImageTransform t = letterbox.transformFor(100, 50); // content rows 7..20
    boolean[] mask = ConceptBuilder.mask(t, 28, 28, new ConceptBuilder.Box(-1000, -1000, 3000, 3000));
    for (int y = 0; y < 28; y++) {
      assertEquals(y >= 7 && y < 21, mask[y * 28 + 5], "row " + y);
    }
  }

  @Test
  void regionEntirelyCroppedAwayIsRefusedNamingWhatTheModelSees() {
    byte[] image = TestImages.pattern(300, 150, 1, "png"); // the model sees source x 75..225
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder.example("wide.png", image, new ConceptBuilder.Box(0, 0, 60, 150)));
    assertTrue(e.getMessage().contains("covers no feature pixel of image wide.png"), e.getMessage());
    assertTrue(e.getMessage().contains("x 75.0..225.0"), e.getMessage());
    assertTrue(e.getMessage().contains("cropped away"), e.getMessage());
  }

  @Test
  void maskOfAnotherSizeThanTheImageIsRefused() {
    byte[] image = TestImages.pattern(120, 90, 2, "png");
    ConceptBuilder.Mask mask = ConceptBuilder.Mask.fromImage(TestImages.solid(60, 45, Color.WHITE, "png"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder.example("p.png", image, mask));
    assertTrue(e.getMessage().contains("60x45") && e.getMessage().contains("120x90"), e.getMessage());
  }

  @Test
  void maskImagePixelsAreInsideWhenNotBlack() {
    BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
    img.setRGB(1, 0, 0x010000);
    img.setRGB(3, 1, 0xffffff);
    ConceptBuilder.Mask m = ConceptBuilder.Mask.fromImage(TestImages.encode(img, "png"));
    assertArrayEquals(new boolean[] {false, true, false, false, false, false, false, true}, m.inside());
  }

  @Test
  void boxRefusesANonPositiveSizeAndParsesXywh() {
    assertThrows(IllegalArgumentException.class, () -> ConceptBuilder.Box.parse("1,2,0,4"));
    assertThrows(IllegalArgumentException.class, () -> ConceptBuilder.Box.parse("1,2,3"));
    assertEquals(new ConceptBuilder.Box(1, 2, 3, 4), ConceptBuilder.Box.parse("1, 2, 3, 4"));
  }

  @Test
  void conceptFromABoxIsTheMeanUnitFeatureUnderTheBoxAndLabelsItsOwnColour() throws Exception {
    byte[] image = halves(240, 160);
    // the model sees source x 40..200: the box covers the red side of what it sees
    Concept c = builder.build("red", "halves.png", image, new ConceptBuilder.Box(40, 0, 80, 160), 0.9, "test");
    ImagePipeline.Features f;
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults());
        ImagePipeline pipeline = ImagePipeline.create(bundle, CFG, new PipelineMetrics(new SimpleMeterRegistry()))) {
      f = pipeline.features(event("halves.png", image));
      assertEquals(ImagePipeline.lineage(bundle).getEncoderModel().getSha256(), c.getEncoderSha256());
      assertEquals(ImagePipeline.lineage(bundle).getUpsamplerModel().getSha256(), c.getUpsamplerSha256());
    }
    FeatureMap up = f.result().upsampled();
    boolean[] left = new boolean[up.width() * up.height()];
    for (int p = 0; p < left.length; p++) {
      left[p] = p % up.width() < up.width() / 2;
    }
    float[] expected = ConceptSet.prototype(up, left);
    assertEquals("red", c.getName());
    assertEquals(up.channels(), c.getDimension());
    assertEquals(1, c.getPrototypes().size());
    assertEquals(0.9, c.getThreshold());
    assertEquals("test", c.getCreatedBy());
    float[] got = floats(c.getPrototypes().get(0));
    assertArrayEquals(expected, got, 1e-5f, "the mean of the unit features of the left half of the grid");

    LabelMap labels = new ConceptSet(List.of(new dev.anyup.streams.models.segmentation.Concept("red",
        List.of(got), 0.9))).label(up, false);
    int w = up.width();
    int inner = 0;
    int redInside = 0;
    int redOutside = 0;
    for (int y = 0; y < up.height(); y++) {
      // away from the colour edge, where the upsampler blends both sides
      for (int x = 0; x < w / 2 - w / 8; x++) {
        inner++;
        redInside += labels.get(x, y);
        redOutside += labels.get(w - 1 - x, y);
      }
    }
    assertTrue(redInside >= 0.95 * inner, redInside + " of " + inner + " red pixels took the concept");
    assertTrue(redOutside <= 0.05 * inner, redOutside + " of " + inner + " blue pixels took the concept");
  }

  @Test
  void appendAddsAPrototypeKeepsTheThresholdAndRefusesAnotherEncoder() {
    byte[] image = halves(240, 160);
    Concept one = builder.build("red", "h.png", image, new ConceptBuilder.Box(40, 0, 80, 160), 0.7, "cli");
    Concept two = builder.append(one, "h.png", image, new ConceptBuilder.Points(List.<double[]>of(
        new double[] {60, 80}), 5), null, "console");
    assertEquals(2, two.getPrototypes().size());
    assertEquals(one.getPrototypes().get(0), two.getPrototypes().get(0));
    assertEquals(0.7, two.getThreshold());
    assertEquals("console", two.getCreatedBy());
    Concept foreign = Concept.newBuilder(one).setEncoderSha256("another-encoder").build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.append(foreign, "h.png",
        image, new ConceptBuilder.Box(40, 0, 80, 160), null, "cli"));
    assertTrue(e.getMessage().contains("another-encoder"), e.getMessage());
  }

  @Test
  void reservedOrBlankNamesAndThresholdsOutsideMinusOneToOneAreRefused() {
    byte[] image = halves(64, 64);
    ConceptBuilder.Box box = new ConceptBuilder.Box(0, 0, 32, 64);
    assertThrows(IllegalArgumentException.class, () -> builder.build("unknown", "h", image, box, 0.5, "t"));
    assertThrows(IllegalArgumentException.class, () -> builder.build(" ", "h", image, box, 0.5, "t"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder.build("sky", "h", image, box, 1.5, "t"));
    assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    assertFalse(builder.lineage().getEncoderModel().getSha256().isBlank());
  }

  /** Left half red, right half blue. */
  static byte[] halves(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(220, 30, 30));
    g.fillRect(0, 0, w / 2, h);
    g.setColor(new Color(30, 40, 220));
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    return TestImages.encode(img, "png");
  }

  private static ImageEvent event(String id, byte[] image) {
    return ImageEvent.newBuilder().setImageId(id).setSourceId("t").setCaptureTimestamp(Instant.EPOCH)
        .setContentType("image/png").setImage(ByteBuffer.wrap(image)).setAttributes(Map.of()).build();
  }

  private static float[] floats(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
