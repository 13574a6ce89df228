package dev.anyup.streams.models.onnx;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.ResizeMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Per-stage costs of the models pipeline on the default bundle (a program that prints numbers, not a test).
 *
 * <pre>
 * mvn -q -pl models test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.anyup.streams.models.onnx.ModelsBenchmark [-Dexec.args="ITERATIONS"]
 * </pre>
 *
 * Each stage is warmed up (at least 1.5 s and 3 calls), then timed {@code ITERATIONS} times (default 10); the median and the min are printed in
 * milliseconds per call and per image.
 */
public final class ModelsBenchmark {

  private ModelsBenchmark() {}

  interface Stage {
    Object run() throws Exception;
  }

  private static int iterations = 10;
  private static Object sink;

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      iterations = Integer.parseInt(args[0]);
    }
    System.setProperty("ai.djl.offline", "true");
    System.out.printf("java %s, %d cpus, iterations %d%n", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), iterations);
    System.out.printf("%-44s %10s %10s %12s%n", "stage", "median ms", "min ms", "ms/image");

    ImageDecoder decoder = ImageDecoder.create(ImageLimits.defaults());
    byte[] png = image("chelsea.png");
    byte[] jpeg = image("astronaut.jpg");
    time("decode png 451x300", 1, () -> decoder.decode(png));
    time("decode jpeg 512x512", 1, () -> decoder.decode(jpeg));
    DecodedImage photo = decoder.decode(png);

    try (ModelBundle bundle = ModelBundle.loadDefault(InferenceOptions.defaults())) {
      OnnxModelBundle onnx = (OnnxModelBundle) bundle;
      Projection pca = bundle.projection("pca8");
      for (int size : bundle.inputSizes()) {
        Preprocessor pre = bundle.preprocessor(size, ResizeMode.SHORTER_SIDE_CENTER_CROP);
        time("preprocess 451x300 -> " + size, 1, () -> pre.apply(photo));
        PreprocessedImage input = pre.apply(photo);
        OnnxGraph encoder = onnx.encoderGraph(size);
        OnnxGraph upsampler = onnx.upsamplerGraph(size);
        for (int batch : new int[] {1, 8}) {
          float[] images = new float[batch * 3 * size * size];
          for (int i = 0; i < batch; i++) {
            System.arraycopy(input.chw(), 0, images, i * input.chw().length, input.chw().length);
          }
          Tensor image = new Tensor(images, new long[] {batch, 3, size, size});
          Map<String, Tensor> encIn = Map.of("image", image);
          time("encoder " + size + " batch " + batch, batch, () -> encoder.run(encIn));
          Tensor features = encoder.run(encIn).get("patch_features");
          Map<String, Tensor> upIn = Map.of("image", image, "features", features);
          time("upsampler onnx " + size + " batch " + batch, batch, () -> upsampler.run(upIn));
          List<PreprocessedImage> list = new ArrayList<>();
          for (int i = 0; i < batch; i++) {
            list.add(input);
          }
          time("extractor (enc+ups+copies) " + size + " batch " + batch, batch, () -> bundle.extractor(size).run(list));
        }
        FeatureResult r = bundle.extractor(size).run(List.of(input)).get(0);
        FeatureMap low = r.patchFeatures();
        time("upsampler bilinear " + size, 1, () -> FeatureUpsampler.bilinear().upsample(low, input, size, size));
        time("upsampler jbu " + size, 1, () -> FeatureUpsampler.jointBilateral().upsample(low, input, size, size));
        FeatureMap up = r.upsampled();
        OutputEncoder enc = OutputEncoder.create();
        for (DType d : DType.values()) {
          time("encode " + d + " 32x" + size + "x" + size, 1, () -> enc.encode(up, d, null));
        }
        time("encode FLOAT16 pca8 8x" + size + "x" + size, 1, () -> enc.encode(up, DType.FLOAT16, pca));
        EncodedTensor f16 = enc.encode(up, DType.FLOAT16, null);
        System.out.printf("  (FLOAT16 32x%dx%d = %d bytes; pca8 = %d bytes)%n", size, size, f16.bytes().length,
            enc.encode(up, DType.FLOAT16, pca).bytes().length);
      }
    }
    if (sink == null) {
      System.out.println();
    }
  }

  private static void time(String name, int images, Stage stage) throws Exception {
    long warmUntil = System.nanoTime() + 1_500_000_000L; // JIT and ORT warm-up: >= 1.5 s and >= 3 calls
    for (int i = 0; i < 3 || (System.nanoTime() < warmUntil && i < 200); i++) {
      sink = stage.run();
    }
    double[] ms = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      sink = stage.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    double median = ms[iterations / 2];
    System.out.printf("%-44s %10.2f %10.2f %12.2f%n", name, median, ms[0], median / images);
  }

  private static byte[] image(String name) throws IOException {
    try (InputStream in = ModelsBenchmark.class.getResourceAsStream("/images/" + name)) {
      return in.readAllBytes();
    }
  }
}
