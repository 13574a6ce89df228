package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEmbedding;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.ModelLineage;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.DecodedImage;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.Embeddings;
import dev.anyup.streams.models.FeatureResult;
import dev.anyup.streams.models.ImageDecoder;
import dev.anyup.streams.models.ImageRejectedException;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.ModelBundle;
import dev.anyup.streams.models.ModelException;
import dev.anyup.streams.models.ModelRef;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.models.PreprocessedImage;
import dev.anyup.streams.models.Preprocessor;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.segmentation.LabelMap;
import dev.anyup.streams.models.segmentation.LabelPng;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One image through the models: decode and validate, preprocess, inference through the shared {@link InferenceBatcher}
 * (a synchronous wait, see there why), then the output records with lineage and preprocessing. Kafka-free: failures are
 * {@link PipelineFailure}s naming the stage; the processor turns them into dead letters. Thread-safe; owns the batcher.
 */
public final class ImagePipeline implements AutoCloseable {

  /**
   * The records one image yields; each may be null when that output is disabled ({@code segments}: when no
   * segmentation head is configured).
   */
  record Outputs(DenseFeatures dense, ImageEmbedding embedding, SegmentationMap segments) {
    Outputs(DenseFeatures dense, ImageEmbedding embedding) {
      this(dense, embedding, null);
    }
  }

  private final ImageDecoder decoder;
  private final Preprocessor preprocessor;
  private final InferenceBatcher<PreprocessedImage, FeatureResult> batcher;
  private final OutputEncoder outputEncoder;
  private final DType dtype;
  private final Projection projection;
  private final ModelLineage lineage;
  private final AppConfig.Output output;
  private final Duration inferenceTimeout;
  private final Clock clock;
  private final LongSupplier ticker;
  private final PipelineMetrics metrics;
  private final SegmentationHead segmentation;
  private final boolean segmentationConfidence;

  ImagePipeline(ImageDecoder decoder, Preprocessor preprocessor,
      InferenceBatcher<PreprocessedImage, FeatureResult> batcher, Projection projection, ModelLineage lineage,
      AppConfig.Output output, Duration inferenceTimeout, Clock clock, LongSupplier ticker, PipelineMetrics metrics) {
    this(decoder, preprocessor, batcher, projection, lineage, output, inferenceTimeout, clock, ticker, metrics, null,
        false);
  }

  /**
   * @param segmentation the head that labels every image (label maps to {@code segmentation.topic}), or
   *     {@code null} for none
   * @param segmentationConfidence whether label maps carry a confidence PNG
   */
  ImagePipeline(ImageDecoder decoder, Preprocessor preprocessor,
      InferenceBatcher<PreprocessedImage, FeatureResult> batcher, Projection projection, ModelLineage lineage,
      AppConfig.Output output, Duration inferenceTimeout, Clock clock, LongSupplier ticker, PipelineMetrics metrics,
      SegmentationHead segmentation, boolean segmentationConfidence) {
    this.decoder = decoder;
    this.preprocessor = preprocessor;
    this.batcher = batcher;
    this.outputEncoder = OutputEncoder.resizingTo(output.denseSize());
    this.dtype = DType.valueOf(output.denseDtype());
    this.projection = projection;
    this.lineage = lineage;
    this.output = output;
    this.inferenceTimeout = inferenceTimeout;
    this.clock = clock;
    this.ticker = ticker;
    this.metrics = metrics;
    this.segmentation = segmentation;
    this.segmentationConfidence = segmentationConfidence;
  }

  /**
   * The production pipeline over a loaded bundle: decoder limits, preprocessing and batching from {@code cfg}. Starts
   * the batcher's worker threads; {@link #close()} drains and stops them (the bundle stays open: its owner closes it).
   */
  public static ImagePipeline create(ModelBundle bundle, AppConfig cfg, PipelineMetrics metrics) {
    return create(bundle, cfg, metrics, null);
  }

  /**
   * As {@link #create(ModelBundle, AppConfig, PipelineMetrics)}, with {@code segmentation} labelling every image
   * ({@code null}: none, whatever {@code segmentation.head} says; the three-argument form makes no label maps). The
   * bundle must have been loaded with {@link AppConfig#outputHead()}, so that results carry the 32-bit upsampled map
   * the head reads.
   */
  public static ImagePipeline create(ModelBundle bundle, AppConfig cfg, PipelineMetrics metrics,
      SegmentationHead segmentation) {
    int size = cfg.model().inputSize();
    if (!bundle.inputSizes().contains(size)) {
      throw new ConfigException("model.input.size " + size + " is not one of the bundle's profiles "
          + bundle.inputSizes());
    }
    Preprocessor pre = bundle.preprocessor(size);
    ImageDecoder decoder = ImageDecoder.create(cfg.limits().imageLimits(), cfg.model().jpegScaledDecode() ? pre : null);
    var extractor = bundle.extractor(size);
    Projection projection = null;
    String pid = cfg.output().projectionId();
    if (pid != null) {
      try {
        projection = bundle.projection(pid);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("output.projection '" + pid + "' is not in the bundle: " + e.getMessage(), e);
      }
    }
    // Each stream thread has exactly one image in flight, so no batch can hold more than num.stream.threads items:
    // capping the batch there lets a full batch run at once instead of waiting out batch.max.wait.ms for items
    // that cannot arrive (measured in bench: batches of 1.0-1.1 that still waited 20 ms each).
    int batchSize = Math.min(cfg.batch().maxSize(), cfg.streamThreads());
    InferenceBatcher<PreprocessedImage, FeatureResult> batcher = new InferenceBatcher<>(extractor::run,
        batchSize, cfg.batch().maxWait(), cfg.cpuBudget().workers(), System::nanoTime,
        metrics.batchListener());
    return new ImagePipeline(decoder, pre, batcher, projection, lineage(bundle), cfg.output(), cfg.batch().timeout(),
        Clock.systemUTC(), System::nanoTime, metrics, segmentation, cfg.segmentation().confidence());
  }

  /** The lineage record of {@code bundle}. */
  public static ModelLineage lineage(ModelBundle bundle) {
    return ModelLineage.newBuilder()
        .setEncoderModel(avro(bundle.encoderRef()))
        .setUpsamplerModel(avro(bundle.upsamplerRef()))
        .setBundleName(bundle.manifest().name())
        .setBundleVersion(bundle.manifest().version())
        .build();
  }

  static dev.anyup.streams.avro.ModelRef avro(ModelRef ref) {
    return dev.anyup.streams.avro.ModelRef.newBuilder().setName(ref.name()).setVersion(ref.version())
        .setSha256(ref.sha256()).build();
  }

  /**
   * The global embedding of one image exactly as this pipeline publishes it (L2-normalised), for a query image
   * uploaded to the retrieval service.
   *
   * @throws PipelineFailure naming the stage that failed
   * @throws IllegalStateException when {@code output.embeddings.enabled} is false
   */
  public float[] embed(ImageEvent event) {
    ImageEmbedding e = process(event).embedding();
    if (e == null) {
      throw new IllegalStateException("output.embeddings.enabled is false: this pipeline makes no embeddings");
    }
    float[] v = new float[e.getVector().size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = e.getVector().get(i);
    }
    return v;
  }

  /** Runs every stage for one event. @throws PipelineFailure naming the stage that failed */
  Outputs process(ImageEvent event) {
    String id = event.getImageId();
    Features f = run(event, true);
    FeatureResult result = f.result();
    long t3 = ticker.getAsLong();
    try {
      long now = clock.millis();
      DenseFeatures dense = output.denseEnabled() ? dense(event, f.transform(), result, now) : null;
      ImageEmbedding embedding = output.embeddingsEnabled() ? embedding(event, result, now) : null;
      long t4 = ticker.getAsLong();
      metrics.stage(Stage.ENCODE, t4 - t3);
      SegmentationMap segments = null;
      if (segmentation != null) {
        segments = segments(event, f.transform(), result, now);
        metrics.segmentation(ticker.getAsLong() - t4);
      }
      return new Outputs(dense, embedding, segments);
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.ENCODE_ERROR, id, e);
    }
  }

  /** One image's model result with the transform its preprocessing applied; see {@link #features}. */
  public record Features(FeatureResult result, ImageTransform transform) {}

  /**
   * Decodes, preprocesses and runs one image exactly as {@link #process} does, but returns the model result with the
   * preprocessing's {@link ImageTransform} instead of output records: for callers that map source-image regions onto
   * the features (a concept defined from an example region). Stage timings are not recorded.
   *
   * @throws PipelineFailure naming the stage that failed
   */
  public Features features(ImageEvent event) {
    return run(event, false);
  }

  /** Decode, preprocess, inference; with {@code timed}, each stage's time goes to the stage meters. */
  private Features run(ImageEvent event, boolean timed) {
    String id = event.getImageId();
    long t0 = ticker.getAsLong();
    DecodedImage decoded;
    try {
      decoded = decoder.decode(id, bytes(event.getImage()));
    } catch (ImageRejectedException e) {
      throw new PipelineFailure(DeadLetterReason.ofRejection(e), id, e);
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.DECODE_ERROR, id, e);
    }
    long t1 = ticker.getAsLong();
    PreprocessedImage pre;
    try {
      // the source travels with the image through the batcher: Upsample Anything's warm start keeps a kernel per source
      pre = preprocessor.apply(decoded).withSource(event.getSourceId(), event.getCaptureTimestamp().toEpochMilli());
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.PREPROCESS_ERROR, id, e);
    }
    long t2 = ticker.getAsLong();
    FeatureResult result = infer(id, pre);
    if (timed) {
      metrics.stage(Stage.DECODE, t1 - t0);
      metrics.stage(Stage.PREPROCESS, t2 - t1);
      metrics.stage(Stage.INFERENCE, ticker.getAsLong() - t2);
    }
    return new Features(result, pre.transform());
  }

  private FeatureResult infer(String id, PreprocessedImage pre) {
    CompletableFuture<FeatureResult> f;
    try {
      f = batcher.submit(pre);
    } catch (RuntimeException e) {
      throw new PipelineFailure(DeadLetterReason.INFERENCE_ERROR, id, e);
    }
    try {
      return f.get(inferenceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new PipelineFailure(cause instanceof ModelException ? DeadLetterReason.INFERENCE_MODEL_ERROR
          : DeadLetterReason.INFERENCE_ERROR, id, cause);
    } catch (TimeoutException e) {
      throw new PipelineFailure(DeadLetterReason.INFERENCE_TIMEOUT, id, new TimeoutException(
          "no model result within batch.timeout.ms=" + inferenceTimeout.toMillis() + " for image " + id));
    } catch (InterruptedException e) {
      // the stream thread is being stopped: fail the task instead of dead-lettering a healthy record
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for inference of image " + id, e);
    }
  }

  private DenseFeatures dense(ImageEvent event, ImageTransform t, FeatureResult result, long now) {
    // the graph's output head already projected and/or cast the map: use (or finish) its tensor
    EncodedTensor tensor = result.dense() != null ? outputEncoder.encodeHead(result.dense(), dtype)
        : outputEncoder.encode(result.upsampled(), dtype, projection);
    List<Integer> shape = new ArrayList<>(3);
    for (int s : tensor.shape()) {
      shape.add(s);
    }
    List<Float> scales = new ArrayList<>();
    if (tensor.scales() != null) {
      for (float s : tensor.scales()) {
        scales.add(s);
      }
    }
    TensorHeader header = TensorHeader.newBuilder()
        .setShape(shape)
        .setLayout("CHW")
        .setDtype(dev.anyup.streams.avro.DType.valueOf(tensor.dtype().name()))
        .setScales(scales)
        .setProjectionId(tensor.projectionId())
        .build();
    return DenseFeatures.newBuilder()
        .setImageId(event.getImageId())
        .setSourceId(event.getSourceId())
        .setCaptureTimestamp(event.getCaptureTimestamp())
        .setProcessedTimestamp(java.time.Instant.ofEpochMilli(now))
        .setLineage(lineage)
        .setPreprocessing(preprocessing(t))
        .setHeader(header)
        .setTensor(ByteBuffer.wrap(tensor.bytes()))
        .build();
  }

  private ImageEmbedding embedding(ImageEvent event, FeatureResult result, long now) {
    float[] global = Embeddings.global(result);
    List<List<Float>> regions = new ArrayList<>();
    if (output.regionsGrid() > 0) {
      for (float[] r : Embeddings.regions(result.upsampled(), output.regionsGrid())) {
        regions.add(floats(r));
      }
    }
    return ImageEmbedding.newBuilder()
        .setImageId(event.getImageId())
        .setSourceId(event.getSourceId())
        .setCaptureTimestamp(event.getCaptureTimestamp())
        .setProcessedTimestamp(java.time.Instant.ofEpochMilli(now))
        .setLineage(lineage)
        .setDimension(global.length)
        .setVector(floats(global))
        .setVectorKind(result.cls() != null ? "cls" : "mean")
        .setRegionGrid(output.regionsGrid())
        .setRegions(regions)
        .build();
  }

  /** The label map record: the head's labels as a PNG (and confidence when asked), counts, lineage, preprocessing. */
  private SegmentationMap segments(ImageEvent event, ImageTransform t, FeatureResult result, long now) {
    SegmentationHead.Labels labels = segmentation.label(result, segmentationConfidence);
    LabelMap map = labels.map();
    byte[] confidence = LabelPng.confidence(map);
    List<Long> counts = new ArrayList<>(map.classNames().size());
    for (long c : map.counts()) {
      counts.add(c);
    }
    return SegmentationMap.newBuilder()
        .setImageId(event.getImageId())
        .setSourceId(event.getSourceId())
        .setCaptureTimestamp(event.getCaptureTimestamp())
        .setProcessedTimestamp(java.time.Instant.ofEpochMilli(now))
        .setLineage(lineage)
        .setPreprocessing(preprocessing(t))
        .setHeadKind(segmentation.kind())
        .setHeadName(segmentation.name())
        .setHeadVersion(labels.version())
        .setClassNames(map.classNames())
        .setWidth(map.width())
        .setHeight(map.height())
        .setLabelPng(ByteBuffer.wrap(LabelPng.labels(map)))
        .setConfidencePng(confidence == null ? null : ByteBuffer.wrap(confidence))
        .setPixelCounts(counts)
        .build();
  }

  /** The segmentation head, or {@code null} when {@code segmentation.head} is {@code none}. */
  SegmentationHead segmentation() {
    return segmentation;
  }

  static Preprocessing preprocessing(ImageTransform t) {
    return Preprocessing.newBuilder()
        .setSourceWidth(t.sourceWidth())
        .setSourceHeight(t.sourceHeight())
        .setInputWidth(t.targetWidth())
        .setInputHeight(t.targetHeight())
        .setResizeMode(t.mode().name())
        .setScaleX(t.scaleX())
        .setScaleY(t.scaleY())
        .setCropX(t.cropX())
        .setCropY(t.cropY())
        .setCropWidth(t.cropWidth())
        .setCropHeight(t.cropHeight())
        .setPadX(t.padX())
        .setPadY(t.padY())
        .setPadWidth(t.contentWidth())
        .setPadHeight(t.contentHeight())
        .build();
  }

  private static List<Float> floats(float[] v) {
    List<Float> l = new ArrayList<>(v.length);
    for (float f : v) {
      l.add(f);
    }
    return l;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** Items waiting in the batcher. */
  int queued() {
    return batcher.queued();
  }

  /** Stops intake and drains the batcher (in-flight and queued items finish). */
  @Override
  public void close() {
    batcher.close();
  }
}
