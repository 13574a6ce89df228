package dev.anyup.streams.models.examples;

import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.Npy;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.segmentation.Concept;
import dev.anyup.streams.models.segmentation.ConceptSet;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.PixelSimilarity;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Features for a folder of images with the default bundle, no Kafka: the app's preprocessing, the bundle's own
 * upsampler and three others chosen per call on the same loaded models, the similarity of every pixel to the image
 * centre, and a concept defined on the first image labelling them all. Usage: {@code FolderFeaturesExample FOLDER
 * [OUT]}; with OUT, each image's upsampled features are written there as {@code NAME.npy} ([C, H, W] float32).
 */
public final class FolderFeaturesExample {

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: FolderFeaturesExample FOLDER [OUT]");
      System.exit(2);
    }
    run(Path.of(args[0]), args.length > 1 ? Path.of(args[1]) : null, System.out);
  }

  static void run(Path folder, Path out, PrintStream report) throws IOException {
    Map<String, FeatureUpsampler> others = new LinkedHashMap<>();
    others.put("none", FeatureUpsampler.none()); // the encoder's patch grid, 16x16 at 224
    others.put("bilinear", FeatureUpsampler.bilinear());
    others.put("jbu", FeatureUpsampler.jointBilateral(1.0, 0.25, 3)); // settings of your own
    List<Path> files;
    try (Stream<Path> s = Files.list(folder)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    ImageDecoder decoder = ImageDecoder.create(ImageLimits.defaults()); // the app's limits
    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      int size = bundle.inputSizes().get(0); // 224
      Preprocessor preprocessor = bundle.preprocessor(size); // the app's: shorter side to 224, centre crop
      FeatureExtractor extractor = bundle.extractor(size);
      ConceptSet concepts = null;
      for (Path file : files) {
        String name = file.getFileName().toString();
        DecodedImage image = decoder.decode(name, Files.readAllBytes(file));
        PreprocessedImage input = preprocessor.apply(image);
        double cx = image.width() / 2.0; // a "click" at the centre, in source image pixels
        double cy = image.height() / 2.0;

        FeatureResult own = extractor.run(List.of(input)).get(0); // the bundle's own upsampler
        FeatureMap features = own.upsampled(); // [C, 224, 224]
        print(report, name, bundle.upsamplerRef().name(), features, input, cx, cy);
        for (Map.Entry<String, FeatureUpsampler> e : others.entrySet()) {
          FeatureMap map = extractor.run(List.of(input), e.getValue()).get(0).upsampled();
          print(report, name, e.getKey(), map, input, cx, cy);
        }
        if (out != null) {
          Npy.write(out.resolve(name + ".npy"), features);
        }

        if (concepts == null) { // "centre": the pixels of the first image that look like its centre
          boolean[] region = PixelSimilarity.segment(features, input.transform(), cx, cy, 0.8).mask();
          float[] prototype = ConceptSet.prototype(features, region);
          concepts = new ConceptSet(List.of(new Concept("centre", List.of(prototype), 0.8)));
        }
        LabelMap labels = concepts.label(features, false); // 0 = unknown, 1 = centre
        report.printf(Locale.ROOT, "%s labels: %d of %d pixels are 'centre'%n", name, labels.counts()[1],
            labels.labels().length);
      }
    }
  }

  /** One line: the map's size and the share of its pixels whose cosine to the clicked pixel is at least 0.8. */
  private static void print(PrintStream report, String image, String upsampler, FeatureMap map,
      PreprocessedImage input, double x, double y) {
    PixelSimilarity.Segmentation s = PixelSimilarity.segment(map, input.transform(), x, y, 0.8);
    int like = 0;
    for (boolean m : s.mask()) {
      like += m ? 1 : 0;
    }
    report.printf(Locale.ROOT, "%s %-13s %dx%d, %.1f%% of pixels like the centre%n", image, upsampler,
        map.width(), map.height(), 100.0 * like / s.mask().length);
  }
}
