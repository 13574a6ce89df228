package dev.anyup.streams.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The committed sample images under {@code src/test/resources/images} (see SOURCES.md there). */
final class SampleImages {

  private SampleImages() {}

  static byte[] bytes(String name) {
    try (InputStream in = SampleImages.class.getResourceAsStream("/images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test image " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mean absolute difference per channel value between two same-size images. */
  static double meanAbsDiff(DecodedImage a, DecodedImage b) {
    if (a.width() != b.width() || a.height() != b.height()) {
      throw new IllegalArgumentException(a.width() + "x" + a.height() + " vs " + b.width() + "x" + b.height());
    }
    long sum = 0;
    for (int i = 0; i < a.rgb().length; i++) {
      sum += Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff));
    }
    return (double) sum / a.rgb().length;
  }

  static double[] meanColour(DecodedImage img) {
    double[] m = new double[3];
    for (int i = 0; i < img.rgb().length; i++) {
      m[i % 3] += img.rgb()[i] & 0xff;
    }
    for (int c = 0; c < 3; c++) {
      m[c] /= img.width() * img.height();
    }
    return m;
  }
}
