package dev.anyup.streams.bench;

import dev.anyup.streams.models.UpsamplerKind;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Segmentation quality of every upsampler on generated texture mosaics with exact ground truth (see
 * {@link SegmentationQuality}): mIoU and boundary F of training-free concepts and of a fitted linear probe on the
 * held-out mosaics, per upsampler, with the default bundle's encoder (or {@code --bundle}'s). Quality, not exactness
 * against upstream code, is what tells whether an upsampler is worth its cost. A program that prints a table.
 */
@Command(name = "segmentation-quality", mixinStandardHelpOptions = true,
    description = "mIoU and boundary F of concepts and a linear probe on texture mosaics, per upsampler.")
public final class SegmentationQualityBenchmark implements Callable<Integer> {

  @Option(names = "--upsamplers", split = ",", defaultValue = "nearest,bilinear,jbu,onnx",
      description = "upsamplers to compare (nearest = no upsampling, the patch grid)")
  List<String> upsamplers;

  @Option(names = "--mosaics", defaultValue = "60", description = "mosaics in all")
  int mosaics;

  @Option(names = "--train", defaultValue = "30", description = "mosaics in the training split (concept examples "
      + "and probe); the rest are held out")
  int train;

  @Option(names = "--size", defaultValue = "224", description = "mosaic side = model input size (224 or 448)")
  int size;

  @Option(names = "--seed", defaultValue = "1", description = "mosaic series")
  long seed;

  @Option(names = "--bundle", description = "model bundle folder (default: the stand-in bundle in the models jar)")
  java.nio.file.Path bundle;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SegmentationQualityBenchmark()).execute(args));
  }

  @Override
  public Integer call() {
    SegmentationQuality quality = new SegmentationQuality(new SegmentationQuality.Setup(mosaics, train, size, seed, 4,
        8), bundle);
    int k = quality.classes().size();
    System.out.printf(Locale.ROOT, "cores %d, %s %s; %d mosaics of 4-8 of %d textures at %dx%d (seed %d), %d train /"
            + " %d held out; boundary tolerance %d px; chance mIoU about 1/%d = %.3f%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), mosaics, k, size, size, seed, train, mosaics - train,
        dev.anyup.streams.models.segmentation.SegmentationScores.defaultTolerance(size, size), k, 1.0 / k);
    System.out.println("| upsampler | concepts mIoU | concepts boundary F | probe mIoU | probe boundary F "
        + "| probe pixel acc | p50 ms / image (encoder + upsampler) | probe fit s |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String u : upsamplers) {
      SegmentationQuality.Row r = quality.measure(UpsamplerKind.parse(u));
      System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |%n", r.upsampler(),
          r.concepts().meanIou(), r.concepts().boundaryF(), r.probe().meanIou(), r.probe().boundaryF(),
          r.probe().pixelAccuracy(), r.msPerImage(), r.fitSeconds());
    }
    return 0;
  }
}
