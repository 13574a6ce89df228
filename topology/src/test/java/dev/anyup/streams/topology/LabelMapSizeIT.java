package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.segmentation.Concept;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LinearProbe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, "Size": the label-map record ({@code SegmentationMap}, serialised as the app publishes it, registry header
 * included) of every bundled sample photo at 224 and 448, through the app's own pipeline on the default bundle, for a
 * concept set (4 concepts from quadrant regions of one photo) and an 8-class probe (seeded random weights), with and
 * without the confidence PNG. Prints the table for topology/README.md (also written to
 * {@code target/reliability/label-map-size.txt}); asserts the issue's targets, 20 KB at 224 and 64 KB at 448, for the
 * label maps without confidence.
 */
class LabelMapSizeIT {
  private static final String[] SAMPLES = {"astronaut.jpg", "brick.png", "camera.png", "chelsea.jpg",
      "clock_motion.jpg", "coffee.jpg", "coins.png", "horse.png", "hubble_deep_field.jpg", "ihc.jpg", "retina.jpg",
      "rocket.jpg"};

  /** A fixed head: what the pipeline calls, with no Kafka behind it. */
  private record FixedHead(String kind, String name,
      java.util.function.BiFunction<FeatureMap, Boolean, LabelMap> labeller) implements SegmentationHead {
    @Override
    public Labels label(FeatureResult result, boolean confidence) {
      return new Labels(labeller.apply(result.upsampled(), confidence), "1");
    }
  }

  @Test
  void labelMapRecordsOfRealPhotosFitTheIssueTargets() throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("| head | input | confidence | min | median | max (bytes per record, " + SAMPLES.length
        + " sample photos) |");
    lines.add("|---|---:|---|---:|---:|---:|");
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      for (int size : new int[] {224, 448}) {
        int channels = bundle.manifest().encoder().channels();
        ConceptSet concepts = concepts(bundle, size);
        LinearProbe probe = probe(channels);
        for (boolean confidence : new boolean[] {false, true}) {
          SegmentationHead conceptsHead = new FixedHead("concepts", "segmentation.concepts",
              (f, c) -> concepts.label(f, c));
          SegmentationHead probeHead = new FixedHead("probe", probe.name(), (f, c) -> probe.label(f, c));
          for (SegmentationHead head : List.of(conceptsHead, probeHead)) {
            long[] sizes = sizes(bundle, size, head, confidence);
            java.util.Arrays.sort(sizes);
            lines.add(String.format("| %s | %d | %s | %d | %d | %d |", head.kind(), size, confidence ? "yes" : "no",
                sizes[0], sizes[sizes.length / 2], sizes[sizes.length - 1]));
            if (!confidence) {
              long limit = size == 224 ? 20_000 : 64_000;
              assertTrue(sizes[sizes.length - 1] <= limit, head.kind() + " at " + size + ": largest record "
                  + sizes[sizes.length - 1] + " bytes > " + limit);
            }
          }
        }
      }
    }
    String text = String.join("\n", lines);
    System.out.println("LabelMapSizeIT (default bundle)\n" + text);
    Path out = Path.of("target", "reliability");
    Files.createDirectories(out);
    Files.writeString(out.resolve("label-map-size.txt"), text + "\n");
  }

  private static long[] sizes(ModelBundle bundle, int size, SegmentationHead head, boolean confidence)
      throws IOException {
    AppConfig cfg = AppConfig.fromMap(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url",
        "mock://label-map-size-" + UUID.randomUUID(), "model.input.size", Integer.toString(size),
        "output.dense.enabled", "false", "segmentation.head", head.kind(), "segmentation.probe.file", "unused.json",
        "segmentation.confidence.enabled", Boolean.toString(confidence)));
    TopologySerdes serdes = TopologySerdes.avro(cfg);
    long[] out = new long[SAMPLES.length];
    try (ImagePipeline pipeline = ImagePipeline.create(bundle, cfg, new PipelineMetrics(new SimpleMeterRegistry()),
        head)) {
      for (int i = 0; i < SAMPLES.length; i++) {
        ImageEvent e = ImageEvent.newBuilder().setImageId(SAMPLES[i]).setSourceId("cam-1")
            .setCaptureTimestamp(Instant.now()).setContentType("image/*").setImage(ByteBuffer.wrap(sample(SAMPLES[i])))
            .setAttributes(Map.of()).setUri(null).build();
        SegmentationMap m = pipeline.process(e).segments();
        out[i] = serdes.segments().serialize(cfg.segmentation().topic(), m).length;
      }
    }
    return out;
  }

  /** Four concepts, one per quadrant of the astronaut photo, threshold 0.5. */
  private static ConceptSet concepts(ModelBundle bundle, int size) throws IOException {
    var pre = bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP)
        .apply(ImageDecoder.create(ImageLimits.defaults()).decode("astronaut", sample("astronaut.jpg")));
    FeatureMap f = bundle.extractor(size).run(List.of(pre)).get(0).upsampled();
    List<Concept> concepts = new ArrayList<>();
    for (int q = 0; q < 4; q++) {
      boolean[] mask = new boolean[f.height() * f.width()];
      for (int y = 0; y < f.height(); y++) {
        for (int x = 0; x < f.width(); x++) {
          mask[y * f.width() + x] = (y < f.height() / 2) == (q < 2) && (x < f.width() / 2) == (q % 2 == 0);
        }
      }
      concepts.add(new Concept("quadrant-" + q, List.of(ConceptSet.prototype(f, mask)), 0.5));
    }
    return new ConceptSet(concepts);
  }

  /** Eight classes, seeded Gaussian weights. */
  private static LinearProbe probe(int channels) {
    Random r = new Random(19);
    float[] w = new float[8 * channels];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < 8; k++) {
      names.add("class-" + k);
    }
    return new LinearProbe("random8", "1", names, channels, w, new float[8]);
  }

  private static byte[] sample(String name) throws IOException {
    try (InputStream in = LabelMapSizeIT.class.getClassLoader().getResourceAsStream("samples/" + name)) {
      if (in == null) {
        throw new IOException("no sample " + name);
      }
      return in.readAllBytes();
    }
  }
}
