package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.Preprocessing;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.ImageTransform;
import dev.anyup.streams.models.OutputEncoder;
import dev.anyup.streams.models.ResizeMode;
import java.nio.ByteBuffer;

/**
 * Reads a {@link DenseFeatures} record back into the library's types (the tensor as floats, the preprocessing block as
 * an {@link ImageTransform}), for the tools that look at outputs.
 */
public final class DenseTensors {
  private DenseTensors() {}

  /** The record's tensor decoded to floats (any dtype, INT8 scales applied; PCA-projected channels as they are). */
  public static FeatureMap decode(DenseFeatures d) {
    TensorHeader h = d.getHeader();
    int[] shape = h.getShape().stream().mapToInt(Integer::intValue).toArray();
    float[] scales = null;
    if (!h.getScales().isEmpty()) {
      scales = new float[h.getScales().size()];
      for (int i = 0; i < scales.length; i++) {
        scales[i] = h.getScales().get(i);
      }
    }
    ByteBuffer b = d.getTensor().duplicate();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return OutputEncoder.decode(new EncodedTensor(DType.valueOf(h.getDtype().name()), shape, scales,
        h.getProjectionId(), bytes));
  }

  /**
   * The record's preprocessing block as the {@link ImageTransform} it was written from ({@code ImagePipeline}), so
   * the library's pixel mapping works on a record (padding rounded to whole input pixels, which is what the pipeline
   * writes).
   *
   * @throws IllegalArgumentException when the resize mode is not one of {@link ResizeMode}
   */
  public static ImageTransform transform(Preprocessing p) {
    return new ImageTransform(p.getSourceWidth(), p.getSourceHeight(), p.getInputWidth(), p.getInputHeight(),
        p.getScaleX(), p.getScaleY(), p.getCropX(), p.getCropY(), p.getCropWidth(), p.getCropHeight(),
        whole(p.getPadX()), whole(p.getPadY()), whole(p.getPadWidth()), whole(p.getPadHeight()),
        ResizeMode.valueOf(p.getResizeMode()));
  }

  /** The schema carries the padding as doubles; the pipeline writes whole input pixels. */
  private static int whole(double v) {
    return (int) Math.round(v);
  }
}
