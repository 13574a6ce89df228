package dev.anyup.streams.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code verify-bundle} for Upsample Anything: its committed reference outputs. The upsampler has no weights, so its
 * output is a function of the image, the features and the settings alone; a reference is therefore kept here, in the
 * library, for a bundle's reference inputs (recognised by their files' SHA-256), not inside the bundle. It holds the
 * first {@link Entry#channels} channels of the upsampled map (the fit, shared by every channel, is fully exercised;
 * the apply is the same arithmetic for each channel) with upstream's settings
 * ({@link UpsampleAnythingOptions#defaults}, 51 steps).
 *
 * <p>Tolerance: the fit is the same bit for bit on any thread count (band sums are added in order), so on the
 * machine that wrote the reference the error is 0. The only platform-dependent arithmetic is {@code Math.exp},
 * {@code tanh}, {@code sin} and {@code cos} in double (allowed to differ by an ulp between JVMs and CPUs), rounded to
 * float, which changes a float only when the double lands within an ulp of a rounding boundary (about one call in
 * 2^29). {@link Entry#atol} (1e-5, about 1e-6 of the map's range) admits last-bit differences in a short fit; the
 * 51-step fit is chaotic in float32 (docs/upsamplers.md), so should such a flip ever occur the error would be far
 * larger: a failure on another platform then means "not bit-identical", not a broken build.
 */
public final class UpsampleAnythingReference {

  /**
   * One committed reference.
   *
   * @param imageSha256 SHA-256 of the bundle's reference image file (the normalised model input)
   * @param featuresSha256 SHA-256 of the bundle's reference patch-features file
   * @param inputSize the profile
   * @param resource the reference map's class-path resource ({@code [channels, inputSize, inputSize]} float32)
   * @param channels how many leading channels it holds
   * @param atol the largest accepted absolute difference
   */
  record Entry(String imageSha256, String featuresSha256, int inputSize, String resource, int channels, double atol) {}

  /** The default bundle's ({@code anyup-default 0.1.0}) 224 reference. */
  static final Entry DEFAULT_224 = new Entry("2a21d08aae689fb040be9b5c48da6d8aae1a07ad2c82387bb4be8b37a9dd76b8",
      "bac308b26159270809b776841692e09aeab78cd060cbe9c57376bc1d34887ae9", 224,
      "upsample-anything/anyup-default_224_upsampled_c2.npy", 2, 1e-5);

  private static final List<Entry> ENTRIES = List.of(DEFAULT_224);

  /** The name of the check in a {@link VerificationReport}. */
  public static final String TENSOR = "upsample_anything";

  private UpsampleAnythingReference() {}

  /**
   * Runs Upsample Anything (upstream's settings on {@code threads} threads) on a bundle reference's inputs and
   * compares it with the committed reference for those inputs, if there is one.
   *
   * @param manifest the bundle's manifest (normalisation)
   * @param dir the bundle's folder
   * @param ref one of its references
   * @return the check, or empty when no reference is committed for these inputs
   * @throws IOException when a reference file cannot be read
   */
  public static Optional<VerificationReport.Check> verify(BundleManifest manifest, Path dir,
      BundleManifest.Reference ref, int threads) throws IOException {
    byte[] imageBytes = Files.readAllBytes(dir.resolve(ref.image()));
    byte[] featureBytes = Files.readAllBytes(dir.resolve(ref.patchFeatures()));
    String imageSha = sha256(imageBytes);
    String featuresSha = sha256(featureBytes);
    Optional<Entry> entry = ENTRIES.stream().filter(e -> e.inputSize() == ref.inputSize()
        && e.imageSha256().equals(imageSha) && e.featuresSha256().equals(featuresSha)).findFirst();
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    Entry e = entry.get();
    float[] expected = load(e).data();
    Npy f = Npy.parse(featureBytes);
    int[] shape = f.shape();
    FeatureMap features = new FeatureMap(shape[shape.length - 3], shape[shape.length - 2], shape[shape.length - 1],
        f.data());
    float[] actual = run(manifest, Npy.parse(imageBytes).data(), features, ref.inputSize(), threads).data();
    int n = e.channels() * ref.inputSize() * ref.inputSize();
    double max = expected.length == n ? 0 : Double.POSITIVE_INFINITY;
    for (int i = 0; i < n && i < expected.length; i++) {
      double d = Math.abs((double) actual[i] - expected[i]);
      max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
    }
    return Optional.of(new VerificationReport.Check(ref.inputSize(), TENSOR, max, e.atol()));
  }

  /** Upstream's settings on {@code threads} threads over the reference's inputs: the full map. */
  static FeatureMap run(BundleManifest manifest, float[] image, FeatureMap features, int size, int threads) {
    ImageTransform identity = new ImageTransform(size, size, size, size, 1, 1, 0, 0, size, size, 0, 0, size, size,
        ResizeMode.SQUASH);
    FeatureUpsampler up = FeatureUpsampler.upsampleAnything(UpsampleAnythingOptions.defaults().withThreads(threads),
        manifest.preprocess().mean(), manifest.preprocess().std());
    return up.upsample(features, new PreprocessedImage(image, size, size, identity), size, size);
  }

  static Npy load(Entry e) {
    try (InputStream in = UpsampleAnythingReference.class.getResourceAsStream(e.resource())) {
      if (in == null) {
        throw new IllegalStateException("missing class-path resource " + e.resource());
      }
      return Npy.parse(in.readAllBytes());
    } catch (IOException x) {
      throw new UncheckedIOException("cannot read " + e.resource(), x);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
