package dev.anyup.streams.app;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.topology.DenseTensors;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.slf4j.LoggerFactory;

/**
 * Pictures of dense features: the first three principal components of the per-pixel feature vectors mapped to RGB
 * (each stretched between its 1st and 99th percentile), optionally beside the model's view of the input image.
 */
final class FeatureRenderer {
  private FeatureRenderer() {}

  /** The PCA→RGB picture of the record's features as PNG bytes (the console's feature tiles). */
  static byte[] pcaRgbPng(DenseFeatures d) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      ImageIO.write(pcaRgb(DenseTensors.decode(d)), "png", out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot encode the feature picture of image " + d.getImageId(), e);
    }
    return out.toByteArray();
  }

  /** PCA→RGB picture of {@code map}, one pixel per feature pixel. */
  static BufferedImage pcaRgb(FeatureMap map) {
    int c = map.channels();
    int hw = map.height() * map.width();
    float[] x = map.data();
    double[] mean = new double[c];
    for (int ch = 0; ch < c; ch++) {
      double s = 0;
      for (int p = 0; p < hw; p++) {
        s += x[ch * hw + p];
      }
      mean[ch] = s / hw;
    }
    double[][] cov = new double[c][c];
    int step = Math.max(1, hw / 8192);
    for (int p = 0; p < hw; p += step) {
      for (int i = 0; i < c; i++) {
        double di = x[i * hw + p] - mean[i];
        for (int j = i; j < c; j++) {
          cov[i][j] += di * (x[j * hw + p] - mean[j]);
        }
      }
    }
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < i; j++) {
        cov[i][j] = cov[j][i];
      }
    }
    int k = Math.min(3, c);
    double[][] comps = new double[3][];
    Random rnd = new Random(42);
    for (int n = 0; n < k; n++) {
      double[] v = new double[c];
      for (int i = 0; i < c; i++) {
        v[i] = rnd.nextGaussian();
      }
      for (int it = 0; it < 100; it++) {
        double[] w = new double[c];
        for (int i = 0; i < c; i++) {
          for (int j = 0; j < c; j++) {
            w[i] += cov[i][j] * v[j];
          }
        }
        for (int m = 0; m < n; m++) {
          double dot = 0;
          for (int i = 0; i < c; i++) {
            dot += w[i] * comps[m][i];
          }
          for (int i = 0; i < c; i++) {
            w[i] -= dot * comps[m][i];
          }
        }
        double norm = Math.sqrt(Arrays.stream(w).map(a -> a * a).sum());
        if (norm < 1e-12) {
          break;
        }
        for (int i = 0; i < c; i++) {
          v[i] = w[i] / norm;
        }
      }
      comps[n] = v;
    }
    float[][] proj = new float[3][hw];
    for (int n = 0; n < k; n++) {
      for (int p = 0; p < hw; p++) {
        double s = 0;
        for (int i = 0; i < c; i++) {
          s += (x[i * hw + p] - mean[i]) * comps[n][i];
        }
        proj[n][p] = (float) s;
      }
    }
    BufferedImage img = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_INT_RGB);
    float[] lo = new float[3];
    float[] hi = new float[3];
    for (int n = 0; n < k; n++) {
      float[] sorted = proj[n].clone();
      Arrays.sort(sorted);
      lo[n] = sorted[(int) (0.01 * (hw - 1))];
      hi[n] = sorted[(int) (0.99 * (hw - 1))];
    }
    for (int p = 0; p < hw; p++) {
      int[] rgb = new int[3];
      for (int n = 0; n < k; n++) {
        float range = hi[n] - lo[n];
        float t = range <= 0 ? 0.5f : (proj[n][p] - lo[n]) / range;
        rgb[n] = Math.round(255 * Math.max(0f, Math.min(1f, t)));
      }
      img.setRGB(p % map.width(), p / map.width(), (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
    }
    return img;
  }

  /** The model's view of {@code source} (its crop box, scaled to {@code size}), or a grey tile if undecodable. */
  static BufferedImage modelView(byte[] source, Preprocessing pre, int size) {
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.GRAY);
      g.fillRect(0, 0, size, size);
      BufferedImage src = source == null ? null : ImageIO.read(new ByteArrayInputStream(source));
      if (src != null) {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        double sx = (double) size / pre.getInputWidth();
        double sy = (double) size / pre.getInputHeight();
        int dx = (int) Math.round(pre.getPadX() * sx);
        int dy = (int) Math.round(pre.getPadY() * sy);
        int dw = (int) Math.round(pre.getPadWidth() * sx);
        int dh = (int) Math.round(pre.getPadHeight() * sy);
        int cx = (int) Math.round(pre.getCropX());
        int cy = (int) Math.round(pre.getCropY());
        int cw = (int) Math.round(pre.getCropWidth());
        int ch = (int) Math.round(pre.getCropHeight());
        g.drawImage(src, dx, dy, dx + dw, dy + dh, cx, cy, cx + cw, cy + ch, null);
      }
    } catch (IOException e) {
      // an undecodable source still gets its features drawn; the grey tile says the input could not be shown
      LoggerFactory.getLogger(FeatureRenderer.class).warn("cannot draw the input image: {}", e.toString());
    } finally {
      g.dispose();
    }
    return out;
  }

  /** Input (left) beside the PCA→RGB features (right), each {@code size × size}. */
  static BufferedImage sideBySide(byte[] source, DenseFeatures d, int size) {
    BufferedImage left = modelView(source, d.getPreprocessing(), size);
    BufferedImage right = pcaRgb(DenseTensors.decode(d));
    BufferedImage out = new BufferedImage(2 * size + 8, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), size);
      g.drawImage(left, 0, 0, null);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.drawImage(right, size + 8, 0, size, size, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  static List<String> summary(DenseFeatures d) {
    TensorHeader h = d.getHeader();
    return List.of("image " + d.getImageId() + " source " + d.getSourceId(),
        "  tensor " + h.getShape() + " " + h.getDtype() + " projection "
            + (h.getProjectionId() == null ? "none (encoder channels)" : h.getProjectionId()) + ", "
            + d.getTensor().remaining() + " bytes",
        times(d.getCaptureTimestamp(), d.getProcessedTimestamp()),
        "  lineage " + d.getLineage(),
        "  preprocessing " + d.getPreprocessing());
  }

  /** "  captured T processed T (age N ms)": when the frame was taken, when its output was computed, and the gap. */
  static String times(java.time.Instant captured, java.time.Instant processed) {
    return "  captured " + captured + " processed " + processed + " (age "
        + java.time.Duration.between(captured, processed).toMillis() + " ms)";
  }
}
