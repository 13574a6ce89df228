package dev.anyup.streams.segmentation;

import dev.anyup.streams.avro.Concept;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.topology.AppConfig;
import dev.anyup.streams.topology.ImagePipeline;
import dev.anyup.streams.topology.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Builds a {@link Concept} record from an example: an image and a region of it in SOURCE image pixels (a mask, a box,
 * or clicked points). The image goes through the app's own {@link ImagePipeline} (the configured bundle, decoder
 * limits, shorter-side resize and centre crop), so the prototype lives in exactly the feature space the {@code
 * concepts} head compares against; the region is mapped onto the upsampled feature grid through the same
 * {@link ImageTransform}: a feature pixel belongs to the region when the source point its centre samples does (and a
 * region smaller than a feature pixel still selects the pixel under its centre or points). The prototype is then
 * {@link ConceptSet#prototype}. Used by {@code anyup-streams concepts add} and the console's "define a concept".
 * Thread-safe; owns the pipeline (and the bundle it was created over).
 */
public final class ConceptBuilder implements AutoCloseable {

  /** A region of the source image, in source pixels (continuous; pixel {@code i} covers {@code [i, i+1)}). */
  public sealed interface Region permits Box, Points, Mask {
    /** Whether the source point {@code (x, y)} is in the region. */
    boolean contains(double x, double y);

    /** Source points the region surely covers (selected even when the region is smaller than a feature pixel). */
    List<double[]> anchors();

    /** @throws IllegalArgumentException when the region does not fit an image of this size */
    default void check(String imageId, int sourceWidth, int sourceHeight) {}
  }

  /** The box {@code [x, x + width) × [y, y + height)}. */
  public record Box(double x, double y, double width, double height) implements Region {
    public Box {
      if (!(width > 0 && height > 0) || !Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(width)
          || !Double.isFinite(height)) {
        throw new IllegalArgumentException("box must have a finite position and a positive size but was " + x + ","
            + y + "," + width + "," + height);
      }
    }

    /** Parses {@code x,y,w,h}. */
    public static Box parse(String s) {
      String[] p = s.split(",");
      if (p.length != 4) {
        throw new IllegalArgumentException("box must be x,y,w,h (source pixels) but was '" + s + "'");
      }
      try {
        return new Box(Double.parseDouble(p[0].strip()), Double.parseDouble(p[1].strip()),
            Double.parseDouble(p[2].strip()), Double.parseDouble(p[3].strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("box must be x,y,w,h (source pixels) but was '" + s + "'", e);
      }
    }

    @Override
    public boolean contains(double px, double py) {
      return px >= x && px < x + width && py >= y && py < y + height;
    }

    @Override
    public List<double[]> anchors() {
      return List.of(new double[] {x + width / 2, y + height / 2});
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "box %.1f,%.1f %.1fx%.1f", x, y, width, height);
    }
  }

  /** Discs of {@code radius} source pixels around clicked points. */
  public record Points(List<double[]> points, double radius) implements Region {
    public Points {
      if (points == null || points.isEmpty()) {
        throw new IllegalArgumentException("at least one point is needed");
      }
      if (!(radius >= 0) || !Double.isFinite(radius)) {
        throw new IllegalArgumentException("point radius must be finite and not negative but was " + radius);
      }
      List<double[]> copy = new ArrayList<>();
      for (double[] p : points) {
        if (p == null || p.length != 2 || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
          throw new IllegalArgumentException("a point must be two finite numbers x, y");
        }
        copy.add(p.clone());
      }
      points = List.copyOf(copy);
    }

    @Override
    public boolean contains(double x, double y) {
      for (double[] p : points) {
        double dx = x - p[0];
        double dy = y - p[1];
        if (dx * dx + dy * dy <= radius * radius) {
          return true;
        }
      }
      return false;
    }

    @Override
    public List<double[]> anchors() {
      return points;
    }

    @Override
    public void check(String imageId, int w, int h) {
      for (double[] p : points) {
        if (p[0] < 0 || p[1] < 0 || p[0] >= w || p[1] >= h) {
          throw new IllegalArgumentException("point (" + p[0] + ", " + p[1] + ") is outside image " + imageId + " ("
              + w + "x" + h + ")");
        }
      }
    }

    @Override
    public String toString() {
      return points.size() + " point(s), radius " + radius;
    }
  }

  /** A mask of the source image's size: {@code inside[y * width + x]}. */
  public record Mask(int width, int height, boolean[] inside) implements Region {
    public Mask {
      if (width <= 0 || height <= 0 || inside == null || inside.length != (long) width * height) {
        throw new IllegalArgumentException("mask must hold width*height values for a positive size");
      }
      inside = inside.clone();
    }

    /**
     * A mask from a PNG (or any image ImageIO reads) of the source image's size: a pixel is inside when any of its
     * colour samples is non-zero (and, with an alpha channel, it is not fully transparent).
     */
    public static Mask fromImage(byte[] encoded) {
      BufferedImage img;
      try {
        img = ImageIO.read(new ByteArrayInputStream(encoded));
      } catch (IOException e) {
        throw new IllegalArgumentException("the mask is not a readable image: " + e.getMessage(), e);
      }
      if (img == null) {
        throw new IllegalArgumentException("the mask is not a readable image (PNG expected)");
      }
      Raster r = img.getRaster();
      int bands = r.getNumBands();
      boolean alpha = img.getColorModel().hasAlpha();
      int colour = alpha ? bands - 1 : bands;
      int w = img.getWidth();
      int h = img.getHeight();
      boolean[] in = new boolean[w * h];
      int[] px = new int[bands];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          r.getPixel(x, y, px);
          boolean on = false;
          for (int b = 0; b < colour; b++) {
            on |= px[b] != 0;
          }
          in[y * w + x] = on && (!alpha || px[bands - 1] != 0);
        }
      }
      return new Mask(w, h, in);
    }

    @Override
    public boolean contains(double x, double y) {
      int ix = (int) Math.floor(x);
      int iy = (int) Math.floor(y);
      return ix >= 0 && iy >= 0 && ix < width && iy < height && inside[iy * width + ix];
    }

    @Override
    public List<double[]> anchors() {
      return List.of();
    }

    @Override
    public void check(String imageId, int w, int h) {
      if (w != width || h != height) {
        throw new IllegalArgumentException("the mask is " + width + "x" + height + " but image " + imageId + " is "
            + w + "x" + h + ": a mask must have the source image's size");
      }
    }

    @Override
    public String toString() {
      return "mask " + width + "x" + height;
    }
  }

  /**
   * One example: its prototype, how many feature pixels of the {@code gridWidth × gridHeight} upsampled grid the region
   * covered, and the transform the image went through.
   */
  public record Example(float[] prototype, int pixels, int gridWidth, int gridHeight, ImageTransform transform) {}

  private final ImagePipeline pipeline;
  private final ModelLineage lineage;
  private final Clock clock;
  private final AutoCloseable owned;

  /** For tests: a pipeline over stand-in models. {@code owned} is closed after the pipeline (may be null). */
  public ConceptBuilder(ImagePipeline pipeline, ModelLineage lineage, Clock clock, AutoCloseable owned) {
    this.pipeline = pipeline;
    this.lineage = lineage;
    this.clock = clock;
    this.owned = owned;
  }

  /**
   * A builder running {@code cfg}'s pipeline over {@code bundle} (which must yield the 32-bit upsampled map: load it
   * without a dense output head); owns the bundle. Its metrics go to a private registry.
   */
  public static ConceptBuilder create(ModelBundle bundle, AppConfig cfg) {
    ImagePipeline p = ImagePipeline.create(bundle, cfg, new PipelineMetrics(new SimpleMeterRegistry()));
    return new ConceptBuilder(p, ImagePipeline.lineage(bundle), Clock.systemUTC(), bundle);
  }

  /** The lineage the concepts are built with. */
  public ModelLineage lineage() {
    return lineage;
  }

  /**
   * The prototype of {@code region} of {@code image}.
   *
   * @throws IllegalArgumentException when the region does not fit the image or covers no feature pixel (all of it
   *     cropped away, say), with the region and the visible part of the source in the message
   * @throws dev.anyup.streams.topology.PipelineFailure when the image cannot be decoded or the models fail
   */
  public Example example(String imageId, byte[] image, Region region) {
    ImageEvent event = ImageEvent.newBuilder().setImageId(imageId).setSourceId("concept-example")
        .setCaptureTimestamp(Instant.ofEpochMilli(clock.millis())).setContentType("application/octet-stream")
        .setImage(ByteBuffer.wrap(image)).setAttributes(Map.of()).build();
    ImagePipeline.Features f = pipeline.features(event);
    FeatureMap up = f.result().upsampled();
    if (up == null) {
      throw new IllegalStateException("the pipeline returned no 32-bit upsampled map (a bundle loaded with a dense "
          + "output head): concepts need the full features");
    }
    ImageTransform t = f.transform();
    region.check(imageId, t.sourceWidth(), t.sourceHeight());
    boolean[] mask = mask(t, up.width(), up.height(), region);
    int n = 0;
    for (boolean b : mask) {
      n += b ? 1 : 0;
    }
    if (n == 0) {
      throw new IllegalArgumentException("the " + region + " covers no feature pixel of image " + imageId + ": the "
          + "model sees only source x " + fmt(t.cropX()) + ".." + fmt(t.cropX() + t.cropWidth()) + ", y "
          + fmt(t.cropY()) + ".." + fmt(t.cropY() + t.cropHeight()) + " of " + t.sourceWidth() + "x"
          + t.sourceHeight() + " (" + t.mode() + "); the rest is cropped away");
    }
    return new Example(ConceptSet.prototype(up, mask), n, up.width(), up.height(), t);
  }

  /**
   * A new concept with one prototype from {@code region} of {@code image}.
   *
   * @throws IllegalArgumentException for a bad name or threshold, or an empty region (see {@link #example})
   */
  public Concept build(String name, String imageId, byte[] image, Region region, double threshold, String createdBy) {
    validate(name, threshold);
    return concept(name, List.of(example(imageId, image, region).prototype()), threshold, createdBy);
  }

  /**
   * {@code existing} with one more prototype from {@code region} of {@code image}, and {@code threshold} when it is
   * not null.
   *
   * @throws IllegalArgumentException when {@code existing} was made with another encoder or has another dimension
   */
  public Concept append(Concept existing, String imageId, byte[] image, Region region, Double threshold,
      String createdBy) {
    String sha = lineage.getEncoderModel().getSha256();
    if (!existing.getEncoderSha256().equals(sha)) {
      throw new IllegalArgumentException("concept " + existing.getName() + " was made with encoder "
          + existing.getEncoderSha256() + ", this bundle's encoder is " + sha + ": its prototypes cannot be mixed");
    }
    double th = threshold != null ? threshold : existing.getThreshold();
    validate(existing.getName(), th);
    float[] p = example(imageId, image, region).prototype();
    if (p.length != existing.getDimension()) {
      throw new IllegalArgumentException("concept " + existing.getName() + " has dimension "
          + existing.getDimension() + " but this bundle's features have " + p.length);
    }
    List<float[]> protos = new ArrayList<>();
    for (List<Float> q : existing.getPrototypes()) {
      float[] a = new float[q.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = q.get(i);
      }
      protos.add(a);
    }
    protos.add(p);
    return concept(existing.getName(), protos, th, createdBy);
  }

  private Concept concept(String name, List<float[]> prototypes, double threshold, String createdBy) {
    // the model record validates what a pipeline would: name, threshold, finite non-zero prototypes of one length
    var model = new dev.anyup.streams.models.segmentation.Concept(name, prototypes, threshold);
    List<List<Float>> out = new ArrayList<>();
    for (float[] p : model.prototypes()) {
      List<Float> l = new ArrayList<>(p.length);
      for (float v : p) {
        l.add(v);
      }
      out.add(l);
    }
    return Concept.newBuilder().setName(name).setPrototypes(out).setDimension(model.dimension())
        .setThreshold(threshold).setEncoderSha256(lineage.getEncoderModel().getSha256())
        .setUpsamplerSha256(lineage.getUpsamplerModel().getSha256())
        .setCreatedTimestamp(Instant.ofEpochMilli(clock.millis())).setCreatedBy(createdBy == null ? "" : createdBy)
        .build();
  }

  private static void validate(String name, double threshold) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("concept name must not be blank");
    }
    if (!name.equals(name.strip())) {
      throw new IllegalArgumentException("concept name '" + name + "' must not start or end with spaces");
    }
    if (name.equals(ConceptSet.UNKNOWN)) {
      throw new IllegalArgumentException("concept name '" + ConceptSet.UNKNOWN + "' is reserved for label 0");
    }
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold of concept " + name + " must be in [-1, 1] but was " + threshold);
    }
  }

  /**
   * The region on a {@code gridWidth × gridHeight} feature grid that covers the model input of {@code t}: a feature
   * pixel is in when the source point its centre samples is in {@code region} (padding never is), and the pixel under
   * each of the region's anchors is in when that anchor is visible to the model.
   */
  static boolean[] mask(ImageTransform t, int gridWidth, int gridHeight, Region region) {
    boolean[] mask = new boolean[gridWidth * gridHeight];
    double sx = (double) t.targetWidth() / gridWidth;
    double sy = (double) t.targetHeight() / gridHeight;
    for (int gy = 0; gy < gridHeight; gy++) {
      for (int gx = 0; gx < gridWidth; gx++) {
        double tx = (gx + 0.5) * sx;
        double ty = (gy + 0.5) * sy;
        if (!t.isContent((int) Math.floor(tx), (int) Math.floor(ty))) {
          continue;
        }
        double[] s = t.toSource(tx, ty);
        mask[gy * gridWidth + gx] = region.contains(s[0], s[1]);
      }
    }
    for (double[] a : region.anchors()) {
      if (a[0] < t.cropX() || a[1] < t.cropY() || a[0] >= t.cropX() + t.cropWidth()
          || a[1] >= t.cropY() + t.cropHeight()) {
        continue;
      }
      double[] tp = t.toTarget(a[0], a[1]);
      int gx = Math.min(gridWidth - 1, Math.max(0, (int) Math.floor(tp[0] / sx)));
      int gy = Math.min(gridHeight - 1, Math.max(0, (int) Math.floor(tp[1] / sy)));
      mask[gy * gridWidth + gx] = true;
    }
    return mask;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  @Override
  public void close() {
    pipeline.close();
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot close " + owned + ": " + e.getMessage(), e);
      }
    }
  }
}
