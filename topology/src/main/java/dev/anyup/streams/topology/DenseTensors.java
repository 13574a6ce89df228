package dev.anyup.streams.topology;

import dev.anyup.streams.avro.DenseFeatures;
import dev.anyup.streams.avro.TensorHeader;
import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.EncodedTensor;
import dev.anyup.streams.models.FeatureMap;
import dev.anyup.streams.models.OutputEncoder;
import java.nio.ByteBuffer;

/** Reads the tensor of a {@link DenseFeatures} record back as floats, for the tools that look at outputs. */
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
}
