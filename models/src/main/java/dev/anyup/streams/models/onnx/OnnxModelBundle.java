package dev.anyup.streams.models.onnx;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyup.streams.models.BundleManifest;
import dev.anyup.streams.models.FeatureExtractor;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.FeatureUpsampler;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.InvalidBundleException;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ModelException;
import dev.anyup.streams.models.ModelRef;
import dev.anyup.streams.models.Npy;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.segmentation.LinearProbe;
import dev.anyup.streams.models.ResizeMode;
import dev.anyup.streams.models.UpsampleAnythingOptions;
import dev.anyup.streams.models.UpsampleAnythingReference;
import dev.anyup.streams.models.UpsamplerKind;
import dev.anyup.streams.models.VerificationReport;
import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ModelBundle} on DJL's OnnxRuntime engine. Public only so {@link ModelBundle#load} can reach it; use
 * {@link ModelBundle}. Loads every profile's graphs eagerly so a broken bundle fails at startup, not on the first image.
 */
public final class OnnxModelBundle implements ModelBundle {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final double JBU_SIGMA_SPATIAL = 1.0;
  private static final double JBU_SIGMA_RANGE = 0.5;
  private static final int JBU_RADIUS = 2;

  private final Path dir;
  private final BundleManifest manifest;
  private final InferenceOptions options;
  private final Map<Integer, OnnxGraph> encoders;
  private final Map<Integer, OnnxGraph> upsamplers;
  private final Map<Integer, FeatureExtractor> extractors = new HashMap<>();
  private final Map<String, Projection> projections;
  private final ModelRef encoderRef;
  private final ModelRef upsamplerRef;
  private boolean closed;

  private OnnxModelBundle(Path dir, BundleManifest manifest, InferenceOptions options, Map<Integer, OnnxGraph> encoders,
      Map<Integer, OnnxGraph> upsamplers, Map<String, Projection> projections) {
    this.dir = dir;
    this.manifest = manifest;
    this.options = options;
    this.encoders = encoders;
    this.upsamplers = upsamplers;
    this.projections = projections;
    BundleManifest.Encoder e = manifest.encoder();
    this.encoderRef = new ModelRef(e.name(), e.version(),
        combinedHash(e.profiles().stream().map(BundleManifest.EncoderProfile::sha256).toList()));
    switch (options.upsampler()) {
      case ONNX: {
        BundleManifest.Upsampler u = manifest.upsampler();
        this.upsamplerRef = new ModelRef(u.name(), u.version(),
            combinedHash(u.profiles().stream().map(BundleManifest.UpsamplerProfile::sha256).toList()));
        break;
      }
      case BILINEAR:
        this.upsamplerRef = new ModelRef("bilinear", "builtin-1", Hashing.sha256Hex("bilinear".getBytes(StandardCharsets.UTF_8)));
        break;
      case NEAREST:
        this.upsamplerRef = new ModelRef("nearest", "builtin-1", Hashing.sha256Hex("nearest".getBytes(StandardCharsets.UTF_8)));
        break;
      case UPSAMPLE_ANYTHING: {
        // the lineage names the settings that change the output (threads do not: band sums are added in order)
        UpsampleAnythingOptions ua = options.upsampleAnything();
        String params = ua.describe();
        this.upsamplerRef = new ModelRef("upsample-anything", "builtin-1",
            Hashing.sha256Hex(params.getBytes(StandardCharsets.UTF_8)));
        break;
      }
      default: {
        String params = "jbu sigma_spatial=" + JBU_SIGMA_SPATIAL + " sigma_range=" + JBU_SIGMA_RANGE + " radius=" + JBU_RADIUS;
        this.upsamplerRef = new ModelRef("jbu", "builtin-1", Hashing.sha256Hex(params.getBytes(StandardCharsets.UTF_8)));
        break;
      }
    }
  }

  /** See {@link ModelBundle#load}. */
  public static ModelBundle load(Path dir, InferenceOptions options) {
    if (dir == null || options == null) {
      throw new IllegalArgumentException("dir and options must not be null");
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true"); // never download anything at run time
    }
    BundleManifest manifest = readManifest(dir);
    validate(dir, manifest, options);
    verifyHashes(dir, manifest);
    if (options.isCuda() && !OrtRuntime.providers().contains(OrtProvider.CUDA)) {
      throw new ModelException("bundle " + manifest.name() + ": device " + options.device()
          + " requested but this ONNX Runtime has no CUDA execution provider (available: "
          + OrtRuntime.providers() + "); put com.microsoft.onnxruntime:onnxruntime_gpu (CUDA 12, cuDNN 9)"
          + " on the classpath instead of onnxruntime, or use device=cpu");
    }
    Map<String, Projection> projections = readProjections(dir, manifest);
    if (options.probe() != null && options.probe().channels() != manifest.encoder().channels()) {
      throw new IllegalArgumentException("probe " + options.probe().name() + " needs " + options.probe().channels()
          + " feature channels but bundle " + manifest.name() + " makes " + manifest.encoder().channels());
    }
    OnnxGraph.Head head = null;
    if (options.headInGraph() || options.probeInGraph()) {
      String pid = options.headInGraph() ? options.outputHead().projectionId() : null;
      if (pid != null && !projections.containsKey(pid)) {
        throw new IllegalArgumentException("bundle " + manifest.name() + " has no projection '" + pid
            + "' for the output head; available: " + projections.keySet());
      }
      boolean probe = options.probeInGraph();
      // the 32-bit map stops being a graph output only when the caller does not keep it and every consumer of it
      // runs in the graph
      head = new OnnxGraph.Head(options.headInGraph() ? options.outputHead() : null,
          pid == null ? null : projections.get(pid), manifest.upsampler().outputs().get("upsampled"),
          probe ? options.probe() : null, probe && options.probeConfidence(), !options.outputHead().keepUpsampled());
    }
    Map<Integer, OnnxGraph> encoders = new TreeMap<>();
    Map<Integer, OnnxGraph> upsamplers = new TreeMap<>();
    try {
      BundleManifest.Encoder e = manifest.encoder();
      int c = e.channels();
      for (BundleManifest.EncoderProfile p : e.profiles()) {
        int s = p.inputSize();
        int g = s / e.patchSize();
        List<OnnxGraph.Port> in = List.of(new OnnxGraph.Port("image", e.inputs().get("image"), 4, new long[] {-1, 3, s, s}));
        List<OnnxGraph.Port> out = new ArrayList<>();
        out.add(new OnnxGraph.Port("patch_features", e.outputs().get("patch_features"), 4, new long[] {-1, c, g, g}));
        if (e.hasCls()) {
          out.add(new OnnxGraph.Port("cls", e.outputs().get("cls"), 2, new long[] {-1, c}));
        }
        encoders.put(s, OnnxGraph.load(e.name(), dir.resolve(p.file()), in, out, options, s));
      }
      if (options.upsampler() == UpsamplerKind.ONNX) {
        BundleManifest.Upsampler u = manifest.upsampler();
        for (BundleManifest.UpsamplerProfile p : u.profiles()) {
          int s = p.inputSize();
          List<List<OnnxGraph.Port>> ports = upsamplerPorts(manifest, p);
          upsamplers.put(s, OnnxGraph.load(u.name(), dir.resolve(p.file()), ports.get(0), ports.get(1), options, s,
              head));
        }
      }
      return new OnnxModelBundle(dir, manifest, options, encoders, upsamplers, projections);
    } catch (RuntimeException ex) {
      encoders.values().forEach(OnnxGraph::close);
      upsamplers.values().forEach(OnnxGraph::close);
      throw ex;
    }
  }

  /** See {@link ModelBundle#loadDefault}. */
  public static ModelBundle loadDefault(InferenceOptions options) {
    Path dir = DefaultBundle.extract();
    try {
      return load(dir, options);
    } catch (InvalidBundleException e) {
      // a damaged cache copy (edited or half-deleted by hand): extract afresh once; a second failure is real
      DefaultBundle.discard(dir);
      return load(DefaultBundle.extract(), options);
    }
  }

  /**
   * Reads the manifest, telling a missing one from one this user cannot read: a bundle folder made with mode 0700
   * by another user (an export as root, mounted into the image that runs as uid 10001) looks missing otherwise.
   */
  static BundleManifest readManifest(Path dir) {
    Path file = dir.resolve("manifest.json");
    if (Files.notExists(file)) {
      throw new InvalidBundleException("bundle " + dir + " has no manifest.json");
    }
    if (!Files.exists(file)) {
      throw new InvalidBundleException("bundle " + dir + ": cannot tell whether " + file + " exists, the folder is "
          + "not readable by this user (" + access(dir) + "); make the bundle readable, e.g. chmod -R a+rX " + dir);
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidBundleException("bundle manifest " + file + " is not a regular file");
    }
    try {
      return JSON.readValue(file.toFile(), BundleManifest.class);
    } catch (java.nio.file.AccessDeniedException | java.io.FileNotFoundException e) {
      throw unreadable(file, e);
    } catch (IOException e) {
      throw new InvalidBundleException("bundle manifest " + file + " is not valid: " + e.getMessage(), e);
    }
  }

  /** The error for a manifest that exists but cannot be opened (permission denied), with its mode and owner. */
  static InvalidBundleException unreadable(Path file, IOException e) {
    return new InvalidBundleException("bundle manifest " + file + " exists but cannot be read by this user ("
        + access(file) + ": " + e.getMessage() + "); make the bundle readable, e.g. chmod -R a+rX "
        + file.getParent(), e);
  }

  /** "mode rwx------, owner NAME, read as user NAME", or as much of it as can be read. */
  static String access(Path p) {
    String user = System.getProperty("user.name");
    try {
      return "mode " + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
          + ", owner " + Files.getOwner(p).getName() + ", read as user " + user;
    } catch (IOException | UnsupportedOperationException e) {
      return "read as user " + user;
    }
  }

  private static void validate(Path dir, BundleManifest m, InferenceOptions options) {
    String where = "bundle manifest " + dir.resolve("manifest.json");
    require(m.formatVersion() == 1, where + ": format_version must be 1, was " + m.formatVersion());
    require(m.name() != null && m.version() != null, where + ": name and version are required");
    require(m.preprocess() != null && m.preprocess().mean() != null && m.preprocess().mean().length == 3
        && m.preprocess().std() != null && m.preprocess().std().length == 3,
        where + ": preprocess.mean and preprocess.std need 3 values each");
    BundleManifest.Encoder e = m.encoder();
    require(e != null && e.profiles() != null && !e.profiles().isEmpty(), where + ": encoder with at least one profile required");
    require(e.patchSize() > 0 && e.channels() > 0, where + ": encoder patch_size and channels must be positive, were "
        + e.patchSize() + ", " + e.channels());
    require(e.inputs() != null && e.inputs().containsKey("image"), where + ": encoder.inputs must name 'image'");
    require(e.outputs() != null && e.outputs().containsKey("patch_features") && (!e.hasCls() || e.outputs().containsKey("cls")),
        where + ": encoder.outputs must name 'patch_features'" + (e.hasCls() ? " and 'cls'" : ""));
    for (BundleManifest.EncoderProfile p : e.profiles()) {
      require(p.inputSize() > 0 && p.inputSize() % e.patchSize() == 0, where + ": encoder input_size " + p.inputSize()
          + " must be a positive multiple of patch_size " + e.patchSize());
      require(p.file() != null, where + ": encoder profile " + p.inputSize() + " has no file");
    }
    if (options.upsampler() == UpsamplerKind.ONNX) {
      BundleManifest.Upsampler u = m.upsampler();
      require(u != null && u.profiles() != null, where + ": upsampler=onnx requested but the bundle has no upsampler"
          + " (use bilinear or jbu)");
      require(u.inputs() != null && u.inputs().containsKey("image") && u.inputs().containsKey("features"),
          where + ": upsampler.inputs must name 'image' and 'features'");
      require(u.outputs() != null && u.outputs().containsKey("upsampled"), where + ": upsampler.outputs must name 'upsampled'");
      for (BundleManifest.EncoderProfile p : e.profiles()) {
        require(u.profiles().stream().anyMatch(up -> up.inputSize() == p.inputSize()),
            where + ": no upsampler profile for input_size " + p.inputSize());
      }
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new InvalidBundleException(message);
    }
  }

  private static void verifyHashes(Path dir, BundleManifest m) {
    for (BundleManifest.EncoderProfile p : m.encoder().profiles()) {
      checkFile(dir, p.file(), p.sha256());
    }
    if (m.upsampler() != null && m.upsampler().profiles() != null) {
      for (BundleManifest.UpsamplerProfile p : m.upsampler().profiles()) {
        checkFile(dir, p.file(), p.sha256());
      }
    }
    for (BundleManifest.ProjectionSpec p : m.projections()) {
      checkFile(dir, p.file(), p.sha256());
    }
  }

  private static void checkFile(Path dir, String name, String sha256) {
    Path file = dir.resolve(name).normalize();
    if (!file.startsWith(dir.normalize())) {
      throw new InvalidBundleException("bundle " + dir + ": file '" + name + "' points outside the bundle");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidBundleException("bundle " + dir + ": file " + name + " named in the manifest is missing");
    }
    if (sha256 == null || sha256.isBlank()) {
      throw new InvalidBundleException("bundle " + dir + ": file " + name + " has no sha256 in the manifest");
    }
    String actual = Hashing.sha256Hex(file);
    if (!actual.equalsIgnoreCase(sha256)) {
      throw new InvalidBundleException("bundle " + dir + ": file " + name + " has sha256 " + actual
          + " but the manifest says " + sha256);
    }
  }

  private static Map<String, Projection> readProjections(Path dir, BundleManifest m) {
    Map<String, Projection> out = new LinkedHashMap<>();
    for (BundleManifest.ProjectionSpec p : m.projections()) {
      try {
        Npy basis = Npy.read(dir.resolve(p.file()));
        Npy mean = p.meanFile() == null ? null : Npy.read(dir.resolve(p.meanFile()));
        out.put(p.id(), new Projection(p.id(), p.inChannels(), p.outChannels(), basis.data(),
            mean == null ? null : mean.data()));
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidBundleException("bundle " + dir + ": projection " + p.id() + " (" + p.file() + ") is invalid: "
            + e.getMessage(), e);
      }
    }
    return out;
  }

  private static String combinedHash(List<String> hashes) {
    return Hashing.sha256Hex(String.join(",", hashes).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public BundleManifest manifest() {
    return manifest;
  }

  @Override
  public List<Integer> inputSizes() {
    return List.copyOf(encoders.keySet());
  }

  @Override
  public Preprocessor preprocessor(int inputSize, ResizeMode mode) {
    requireProfile(inputSize);
    return Preprocessor.create(inputSize, mode, manifest.preprocess().mean(), manifest.preprocess().std());
  }

  private void requireProfile(int inputSize) {
    if (!encoders.containsKey(inputSize)) {
      throw new IllegalArgumentException("bundle " + manifest.name() + " has no profile for input size " + inputSize
          + "; available: " + encoders.keySet());
    }
  }

  @Override
  public synchronized FeatureExtractor extractor(int inputSize) {
    if (closed) {
      throw new IllegalStateException("bundle " + manifest.name() + " is closed");
    }
    requireProfile(inputSize);
    return extractors.computeIfAbsent(inputSize, s -> {
      BundleManifest.Encoder e = manifest.encoder();
      FeatureUpsampler builtin = switch (options.upsampler()) {
        case ONNX -> null;
        case BILINEAR -> FeatureUpsampler.bilinear();
        case JBU -> FeatureUpsampler.jointBilateral(JBU_SIGMA_SPATIAL, JBU_SIGMA_RANGE, JBU_RADIUS);
        case NEAREST -> FeatureUpsampler.nearest();
        case UPSAMPLE_ANYTHING -> FeatureUpsampler.upsampleAnything(options.upsampleAnything(),
            manifest.preprocess().mean(), manifest.preprocess().std());
      };
      return newExtractor(s, upsamplers.get(s), builtin, options.probe());
    });
  }

  private OnnxFeatureExtractor newExtractor(int s, OnnxGraph upsampler, FeatureUpsampler builtin, LinearProbe probe) {
    BundleManifest.Encoder e = manifest.encoder();
    BundleManifest.Upsampler u = manifest.upsampler();
    return new OnnxFeatureExtractor(s, encoders.get(s), e.inputs().get("image"), e.outputs(), e.hasCls(),
        upsampler, builtin == null ? u.inputs() : null, builtin == null ? u.outputs().get("upsampled") : null,
        builtin, options.outputSize(), options.outputHead().keepUpsampled(), probe,
        probe != null && options.probeConfidence());
  }

  /**
   * The extractor {@link #verify()} runs for {@code inputSize}: the pipeline's own, or, where its upsampler graph no
   * longer outputs the 32-bit map, one over the profile's graph as shipped (loaded for this check, then closed).
   */
  private <T> T withVerifiableExtractor(int inputSize, java.util.function.Function<OnnxFeatureExtractor, T> check) {
    OnnxFeatureExtractor x = (OnnxFeatureExtractor) extractor(inputSize);
    if (x.exposesUpsampled()) {
      return check.apply(x);
    }
    BundleManifest.Upsampler u = manifest.upsampler();
    BundleManifest.UpsamplerProfile p = u.profiles().stream().filter(q -> q.inputSize() == inputSize).findFirst()
        .orElseThrow();
    try (OnnxGraph plain = OnnxGraph.load(u.name(), dir.resolve(p.file()), upsamplerPorts(manifest, p).get(0),
        upsamplerPorts(manifest, p).get(1), options, inputSize)) {
      return check.apply(newExtractor(inputSize, plain, null, null)); // verify compares features, not labels
    }
  }

  /** The contract's input and output ports of upsampler profile {@code p}. */
  private static List<List<OnnxGraph.Port>> upsamplerPorts(BundleManifest manifest, BundleManifest.UpsamplerProfile p) {
    BundleManifest.Upsampler u = manifest.upsampler();
    int c = manifest.encoder().channels();
    int s = p.inputSize();
    int g = p.featureSize();
    int o = p.outputSize();
    List<OnnxGraph.Port> in = List.of(
        new OnnxGraph.Port("image", u.inputs().get("image"), 4, new long[] {-1, 3, s, s}),
        new OnnxGraph.Port("features", u.inputs().get("features"), 4, new long[] {-1, c, g, g}));
    List<OnnxGraph.Port> out = List.of(
        new OnnxGraph.Port("upsampled", u.outputs().get("upsampled"), 4, new long[] {-1, c, o, o}));
    return List.of(in, out);
  }

  @Override
  public VerificationReport verify() {
    List<VerificationReport.Check> checks = new ArrayList<>();
    for (BundleManifest.Reference ref : manifest.references()) {
      int s = ref.inputSize();
      try {
        Npy image = Npy.read(dir.resolve(ref.image()));
        ImageTransform identity = new ImageTransform(s, s, s, s, 1, 1, 0, 0, s, s, 0, 0, s, s, ResizeMode.SQUASH);
        // with the 32-bit upsampled map copied out even where an output head would leave it in the runtime
        PreprocessedImage input = new PreprocessedImage(image.data(), s, s, identity);
        FeatureResult r = withVerifiableExtractor(s, x -> x.run(List.of(input), true).get(0));
        checks.add(compare(s, "patch_features", r.patchFeatures().data(), ref.patchFeatures(), ref.atol()));
        if (ref.cls() != null && r.cls() != null) {
          checks.add(compare(s, "cls", r.cls(), ref.cls(), ref.atol()));
        }
        if (ref.upsampled() != null && options.upsampler() == UpsamplerKind.ONNX && options.outputSize() == 0) {
          checks.add(compare(s, "upsampled", r.upsampled().data(), ref.upsampled(), ref.atol()));
        }
        if (options.upsampler() == UpsamplerKind.UPSAMPLE_ANYTHING) {
          // its reference lives in the library (no weights: a function of the inputs and settings alone)
          UpsampleAnythingReference.verify(manifest, dir, ref, options.upsampleAnything().threads())
              .ifPresent(checks::add);
        }
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidBundleException("bundle " + manifest.name() + ": reference for input size " + s
            + " is unreadable: " + e.getMessage(), e);
      }
    }
    return new VerificationReport(manifest.name() + " " + manifest.version(), checks);
  }

  private VerificationReport.Check compare(int s, String tensor, float[] actual, String file, double atol)
      throws IOException {
    float[] expected = Npy.read(dir.resolve(file)).data();
    if (expected.length != actual.length) {
      return new VerificationReport.Check(s, tensor, Double.POSITIVE_INFINITY, atol);
    }
    double max = 0;
    for (int i = 0; i < actual.length; i++) {
      double d = Math.abs((double) actual[i] - expected[i]);
      if (!(d <= max)) {
        max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
      }
    }
    return new VerificationReport.Check(s, tensor, max, atol);
  }

  @Override
  public ModelRef encoderRef() {
    return encoderRef;
  }

  @Override
  public ModelRef upsamplerRef() {
    return upsamplerRef;
  }

  @Override
  public Projection projection(String id) {
    Projection p = projections.get(id);
    if (p == null) {
      throw new IllegalArgumentException("bundle " + manifest.name() + " has no projection '" + id + "'; available: "
          + projections.keySet());
    }
    return p;
  }

  /** The encoder graph of a profile (benchmarks time the stages separately). */
  OnnxGraph encoderGraph(int inputSize) {
    return encoders.get(inputSize);
  }

  /** The ONNX upsampler graph of a profile, or null when a built-in is in use. */
  OnnxGraph upsamplerGraph(int inputSize) {
    return upsamplers.get(inputSize);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    extractors.clear();
    encoders.values().forEach(OnnxGraph::close);
    upsamplers.values().forEach(OnnxGraph::close);
  }
}
