package dev.anyup.streams.console;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.ImageEvent;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.SegmentationMap;
import dev.anyup.streams.segmentation.LabelPalette;
import dev.anyup.streams.topology.OutputTap;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's bounded, in-memory view of recent outputs, fed by the images processor through {@link OutputTap}.
 * The stream thread only {@code offer}s to a bounded queue (dropping, and counting the drop, when it is full), so the
 * console can never slow or block the pipeline; one daemon thread drains it, renders the feature picture and keeps:
 * the latest {@code recentPerSource} tiles of each of at most {@link #MAX_SOURCES} sources (the least recently updated
 * source is forgotten first; originals over {@link #MAX_TILE_IMAGE_BYTES} are kept as thumbnails), the decoded record of only the last {@link #SEGMENTABLE} images (for click-to-segment),
 * and the last {@link #DEAD_LETTERS} dead letters with their original bytes (up to {@link #MAX_DEAD_LETTER_BYTES}).
 * When a segmentation head is on, each tile also keeps its image's label map, coloured with {@link LabelPalette} as
 * an overlay, with the source-pixel rectangle the map covers (the model input mapped back through the record's
 * {@link Preprocessing}); and for "define a concept" the original bytes of each shown image are kept while it is a
 * tile (those larger than {@link #MAX_TILE_IMAGE_BYTES} only for the last {@link #DEFINABLE_LARGE}).
 *
 * <p>Rendering a feature picture (decode the tensor, PCA, PNG) costs tens of ms of CPU per image, about as much as
 * the stand-in model itself, so on a small machine a console that rendered every output would slow the pipeline
 * (BENCHMARKS.md measured it). Hence a render budget: at most one picture per {@code minRenderInterval}, and the
 * renderer busy at most {@link #MAX_RENDER_SHARE} of the time (a slow picture delays the next one); outputs that
 * arrive meanwhile wait, the latest per source replacing an older one (counted in {@link #skipped()}), at most
 * {@link #MAX_SOURCES} waiting. The console's CPU is then bounded by the budget, not by the pipeline's throughput.
 */
public final class ConsoleView implements OutputTap, AutoCloseable {
  static final int QUEUE_CAPACITY = 64;
  static final int MAX_SOURCES = 32;
  static final int SEGMENTABLE = 4;
  static final int DEAD_LETTERS = 20;
  static final int MAX_DEAD_LETTER_BYTES = 8 * 1024 * 1024;
  /** Larger originals are kept as a JPEG thumbnail of {@link #THUMBNAIL_SIDE} pixels, so memory stays bounded. */
  static final int MAX_TILE_IMAGE_BYTES = 256 * 1024;
  static final int THUMBNAIL_SIDE = 256;
  /** Label maps waiting for their image's tile (a map is tapped just before its image's dense record). */
  static final int PENDING_LABEL_MAPS = 64;
  /** Originals over {@link #MAX_TILE_IMAGE_BYTES} kept for "define a concept" (the smaller ones are the tiles'). */
  static final int DEFINABLE_LARGE = 4;
  /**
   * The renderer is busy at most this share of the time: after a picture that took t, the next waits at least
   * t / share (a 384-channel 224² tensor takes ~1.6 s of CPU to draw on a small machine, so a fixed rate alone would
   * keep a core busy).
   */
  static final double MAX_RENDER_SHARE = 0.1;
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleView.class);

  /**
   * A shown image: its ids, times and source size, the picture (the original bytes, or a thumbnail of a large one),
   * the PNG of its features and its label-map overlay (null without a segmentation head).
   */
  record Tile(long seq, String imageId, String sourceId, long captureMillis, long processedMillis, int sourceWidth,
      int sourceHeight, String contentType, byte[] image, byte[] featurePng, boolean thumbnail, Overlay overlay,
      Rect modelInput) {}

  /**
   * A rectangle of the source image in source pixels (may reach past the image where the model input was padded):
   * the part the model saw, so the part the features, heat map, mask and label map cover. The tiles draw it, since
   * a centre crop of a non-square image leaves its sides out of every feature picture.
   */
  record Rect(double x, double y, double width, double height) {
    static Rect modelInput(Preprocessing p) {
      // the model input's corners mapped back: x_src = crop_x + (x_in - pad_x) / scale_x
      return new Rect(p.getCropX() - p.getPadX() / p.getScaleX(), p.getCropY() - p.getPadY() / p.getScaleY(),
          p.getInputWidth() / p.getScaleX(), p.getInputHeight() / p.getScaleY());
    }
  }

  /**
   * A label map drawn for a tile: the head that made it, the class names with their pixel counts, the coloured PNG
   * and the rectangle of the source image (source pixels, may reach past the image for padding) it covers.
   */
  record Overlay(String headKind, String headName, String headVersion, List<String> classNames, List<Long> counts,
      byte[] png, double x, double y, double width, double height) {

    static Overlay of(SegmentationMap m) {
      // the label map covers the model input
      Rect r = Rect.modelInput(m.getPreprocessing());
      return new Overlay(m.getHeadKind(), m.getHeadName(), m.getHeadVersion(), List.copyOf(m.getClassNames()),
          List.copyOf(m.getPixelCounts()), LabelPalette.colouredPng(m), r.x(), r.y(), r.width(), r.height());
    }
  }

  /** A kept dead letter; {@code value} is null when the original was larger than {@link #MAX_DEAD_LETTER_BYTES}. */
  record DeadLetterEntry(long seq, OutputTap.DeadLetter letter, int originalBytes, byte[] value) {}

  private final int recentPerSource;
  private final Function<DenseFeatures, byte[]> featurePicture;
  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final long minRenderNanos;
  private final LongSupplier nanoTime;
  /**
   * Outputs waiting for the render budget, per source the latest {@code recentPerSource} oldest first (so a burst
   * still fills the source's tiles); sources take turns. Only the worker touches it.
   */
  private final LinkedHashMap<String, ArrayDeque<Processed>> pending = new LinkedHashMap<>();
  private long lastRender;
  private long renderGap;
  private boolean rendered;
  private final Thread worker;
  private volatile boolean closed;

  // guarded by this
  private final LinkedHashMap<String, Deque<Tile>> tiles = new LinkedHashMap<>(16, 0.75f, true);
  private final LinkedHashMap<String, DenseFeatures> segmentable = new LinkedHashMap<>();
  private final Deque<DeadLetterEntry> deadLetters = new ArrayDeque<>();
  private long seq;

  private record Processed(ImageEvent event, DenseFeatures dense) {}

  private record Segmented(ImageEvent event, SegmentationMap map) {}

  /** Label maps whose image has no tile yet, by image id; only the worker (or a test) touches it. */
  private final LinkedHashMap<String, SegmentationMap> labelMaps = new LinkedHashMap<>();
  // guarded by this
  private final LinkedHashMap<String, byte[]> largeOriginals = new LinkedHashMap<>();

  /**
   * @param recentPerSource tiles kept per source
   * @param featurePicture the PNG shown for a record's features (the app passes its PCA→RGB renderer)
   */
  public ConsoleView(int recentPerSource, Function<DenseFeatures, byte[]> featurePicture) {
    this(recentPerSource, featurePicture, Duration.ZERO, System::nanoTime);
  }

  /**
   * @param recentPerSource tiles kept per source
   * @param featurePicture the PNG shown for a record's features (the app passes its PCA→RGB renderer)
   * @param minRenderInterval at most one feature picture per this interval ({@code console.render.max.per.second})
   * @param nanoTime the clock of the render budget
   */
  public ConsoleView(int recentPerSource, Function<DenseFeatures, byte[]> featurePicture, Duration minRenderInterval,
      LongSupplier nanoTime) {
    if (recentPerSource < 1) {
      throw new IllegalArgumentException("recentPerSource must be at least 1 but was " + recentPerSource);
    }
    if (minRenderInterval == null || minRenderInterval.isNegative()) {
      throw new IllegalArgumentException("minRenderInterval must not be negative but was " + minRenderInterval);
    }
    this.recentPerSource = recentPerSource;
    this.featurePicture = featurePicture;
    this.minRenderNanos = minRenderInterval.toNanos();
    this.nanoTime = nanoTime;
    this.worker = new Thread(this::drain, "anyup-console-view");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void processed(ImageEvent event, DenseFeatures dense) {
    if (dense != null) {
      offer(new Processed(event, dense));
    }
  }

  @Override
  public void segmented(ImageEvent event, SegmentationMap map) {
    offer(new Segmented(event, map));
  }

  @Override
  public void deadLettered(DeadLetter deadLetter) {
    offer(deadLetter);
  }

  private void offer(Object item) {
    if (closed || !queue.offer(item)) {
      dropped.incrementAndGet();
    }
  }

  /** Outputs not shown because the console was behind (the queue was full). */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Outputs not drawn by the console because more than {@code recentPerSource} newer ones of the same source came
   * within its render budget (the console's own budget, not the frames policy's skipped frames).
   */
  public long skipped() {
    return skipped.get();
  }

  private void drain() {
    while (!closed) {
      Object item;
      try {
        // wait for an output, but no longer than until the next render slot when one is waiting (at most 50 ms, so an
        // injected clock is read again soon)
        long wait = pending.isEmpty() ? 200 : Math.min(50, Math.max(0, untilNextRender() / 1_000_000));
        item = wait == 0 ? queue.poll() : queue.poll(wait, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (item instanceof Processed p) {
        ArrayDeque<Processed> waiting = pending.computeIfAbsent(p.event().getSourceId(), k -> new ArrayDeque<>());
        waiting.addLast(p);
        if (waiting.size() > recentPerSource) {
          // more than the source's tiles could show: the oldest would be pushed out at once
          waiting.removeFirst();
          skipped.incrementAndGet();
        }
        if (pending.size() > MAX_SOURCES) {
          Iterator<ArrayDeque<Processed>> eldest = pending.values().iterator();
          skipped.addAndGet(eldest.next().size());
          eldest.remove();
        }
      } else if (item instanceof Segmented s) {
        add(s.map());
      } else if (item instanceof DeadLetter d) {
        add(d);
      }
      if (!pending.isEmpty() && untilNextRender() <= 0) {
        // the source whose turn it is: its oldest waiting output; then it goes to the back of the line
        Map.Entry<String, ArrayDeque<Processed>> turn = pending.entrySet().iterator().next();
        Processed next = turn.getValue().removeFirst();
        pending.remove(turn.getKey());
        if (!turn.getValue().isEmpty()) {
          pending.put(turn.getKey(), turn.getValue());
        }
        lastRender = nanoTime.getAsLong();
        rendered = true;
        try {
          add(next.event(), next.dense());
        } catch (RuntimeException e) {
          // a record the console cannot draw must not stop the view; the pipeline already published it
          LOG.warn("console cannot show an output: {}", e.toString());
        }
        renderGap = Math.max(minRenderNanos, (long) ((nanoTime.getAsLong() - lastRender) / MAX_RENDER_SHARE));
      }
    }
  }

  private long untilNextRender() {
    return rendered ? renderGap - (nanoTime.getAsLong() - lastRender) : 0;
  }

  /** Keeps a label map until its image's tile is made (the worker's step; package-private for tests). */
  void add(SegmentationMap map) {
    synchronized (labelMaps) {
      labelMaps.remove(map.getImageId());
      labelMaps.put(map.getImageId(), map);
      if (labelMaps.size() > PENDING_LABEL_MAPS) {
        Iterator<String> eldest = labelMaps.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
  }

  /** Adds a processed image now (the worker's step; package-private for tests). */
  void add(ImageEvent event, DenseFeatures dense) {
    byte[] png = featurePicture.apply(dense);
    byte[] original = bytes(event.getImage());
    byte[] image = original;
    String type = event.getContentType();
    boolean thumb = false;
    if (image.length > MAX_TILE_IMAGE_BYTES) {
      image = thumbnail(image);
      type = "image/jpeg";
      thumb = true;
      if (image == null) {
        image = png;
        type = "image/png";
      }
    }
    SegmentationMap map;
    synchronized (labelMaps) {
      map = labelMaps.remove(event.getImageId());
    }
    Overlay overlay = null;
    if (map != null) {
      try {
        overlay = Overlay.of(map);
      } catch (RuntimeException e) {
        LOG.warn("console cannot draw the label map of {}: {}", event.getImageId(), e.toString());
      }
    }
    synchronized (this) {
      Tile t = new Tile(++seq, event.getImageId(), event.getSourceId(), event.getCaptureTimestamp().toEpochMilli(),
          dense.getProcessedTimestamp().toEpochMilli(), dense.getPreprocessing().getSourceWidth(),
          dense.getPreprocessing().getSourceHeight(), type, image, png, thumb, overlay,
          Rect.modelInput(dense.getPreprocessing()));
      if (thumb) {
        largeOriginals.remove(event.getImageId());
        largeOriginals.put(event.getImageId(), original);
        if (largeOriginals.size() > DEFINABLE_LARGE) {
          Iterator<String> eldest = largeOriginals.keySet().iterator();
          eldest.next();
          eldest.remove();
        }
      }
      Deque<Tile> q = tiles.computeIfAbsent(event.getSourceId(), s -> new ArrayDeque<>());
      q.addFirst(t);
      while (q.size() > recentPerSource) {
        q.removeLast();
      }
      if (tiles.size() > MAX_SOURCES) {
        Iterator<String> eldest = tiles.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
      segmentable.remove(event.getImageId());
      segmentable.put(event.getImageId(), dense);
      if (segmentable.size() > SEGMENTABLE) {
        Iterator<String> eldest = segmentable.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
  }

  /** Adds a dead letter now (the worker's step; package-private for tests). */
  synchronized void add(DeadLetter d) {
    int size = d.value() == null ? 0 : d.value().length;
    deadLetters.addFirst(new DeadLetterEntry(++seq, d, size, size <= MAX_DEAD_LETTER_BYTES ? d.value() : null));
    while (deadLetters.size() > DEAD_LETTERS) {
      deadLetters.removeLast();
    }
  }

  /**
   * Sources in source id order (stable: a live feed must not move the blocks under the user's pointer), each with its
   * tiles newest first.
   */
  synchronized Map<String, List<Tile>> recent() {
    Map<String, List<Tile>> out = new LinkedHashMap<>();
    List<String> sources = new ArrayList<>(tiles.keySet());
    sources.sort(null);
    for (String s : sources) {
      out.put(s, List.copyOf(tiles.get(s)));
    }
    return out;
  }

  /** The shown tile of {@code imageId}, if it is still kept. */
  synchronized Optional<Tile> tile(String imageId) {
    for (Deque<Tile> q : tiles.values()) {
      for (Tile t : q) {
        if (t.imageId().equals(imageId)) {
          return Optional.of(t);
        }
      }
    }
    return Optional.empty();
  }

  /** The record of {@code imageId} if it is one of the last few and can be segmented. */
  synchronized Optional<DenseFeatures> features(String imageId) {
    return Optional.ofNullable(segmentable.get(imageId));
  }

  synchronized boolean segmentable(String imageId) {
    return segmentable.containsKey(imageId);
  }

  /** The original bytes of {@code imageId} while it is a tile (a large one only while among the last few). */
  synchronized Optional<byte[]> original(String imageId) {
    Optional<Tile> t = tile(imageId);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    return t.get().thumbnail() ? Optional.ofNullable(largeOriginals.get(imageId)) : Optional.of(t.get().image());
  }

  synchronized boolean definable(String imageId) {
    return original(imageId).isPresent();
  }

  /** The kept dead letters, newest first. */
  synchronized List<DeadLetterEntry> deadLetters() {
    return List.copyOf(deadLetters);
  }

  /** A JPEG of at most {@link #THUMBNAIL_SIDE} pixels a side, or null if the image cannot be read here. */
  static byte[] thumbnail(byte[] encoded) {
    try {
      BufferedImage src = ImageIO.read(new ByteArrayInputStream(encoded));
      if (src == null) {
        return null;
      }
      double scale = Math.min(1.0, (double) THUMBNAIL_SIDE / Math.max(src.getWidth(), src.getHeight()));
      int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(src.getHeight() * scale));
      BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      try {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
      } finally {
        g.dispose();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      return ImageIO.write(out, "jpg", bytes) ? bytes.toByteArray() : null;
    } catch (IOException | RuntimeException e) {
      LOG.debug("no thumbnail: {}", e.toString());
      return null;
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
