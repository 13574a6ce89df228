package dev.anyup.streams.models;

/**
 * The part of the dense output's encoding that runs inside the upsampler graph, appended to it when the bundle loads:
 * the channel projection as a 1×1 convolution and, for {@link DType#FLOAT16}, the cast to half precision. ONNX Runtime
 * does both vectorised (on the GPU when there is one) and hands back the smaller tensor, so the pipeline neither
 * copies the 32-bit map out of the runtime nor loops over its values in Java. INT8 quantisation stays in Java (it
 * needs each channel's range and rejects non-finite values), on the projected map when there is a projection.
 *
 * <p>Applies only to the ONNX upsampler at its native output size; results then carry
 * {@link FeatureResult#dense()}. With {@code keepUpsampled} the 32-bit map is copied out as well (for region
 * embeddings, which pool it). Without it the map is removed from the graph's outputs (it stays an intermediate tensor
 * that ONNX Runtime can reuse), because on CUDA every graph output is copied to host memory whether or not the caller
 * reads it; {@link ModelBundle#verify()} then checks the map on the graph as shipped, loaded for the check. An
 * inactive head with {@code keepUpsampled} false ({@code new OutputHead(DType.FLOAT32, null, false)}) asks for the
 * same with a {@link InferenceOptions#probe() probe} alone: only its labels leave the graph.
 *
 * @param dtype the dense output's element type
 * @param projectionId the bundle projection to apply in the graph, or {@code null} for none
 * @param keepUpsampled whether results still carry the full 32-bit {@link FeatureResult#upsampled()} map
 */
public record OutputHead(DType dtype, String projectionId, boolean keepUpsampled) {

  private static final OutputHead NONE = new OutputHead(DType.FLOAT32, null, true);

  public OutputHead {
    if (dtype == null) {
      throw new IllegalArgumentException("dtype must not be null");
    }
    if (projectionId != null && projectionId.isBlank()) {
      throw new IllegalArgumentException("projectionId must be null or not blank");
    }
  }

  /** No head: the graph is loaded as it is and the caller encodes the 32-bit map. */
  public static OutputHead none() {
    return NONE;
  }

  /** Whether the graph gets a head: a projection, a cast to FLOAT16, or both. */
  public boolean active() {
    return projectionId != null || dtype == DType.FLOAT16;
  }

  /** The element type the head's output has: FLOAT16 when it casts, else FLOAT32. */
  public DType graphDtype() {
    return dtype == DType.FLOAT16 ? DType.FLOAT16 : DType.FLOAT32;
  }

  @Override
  public String toString() {
    if (!active()) {
      return "none";
    }
    String p = projectionId == null ? "" : "projection " + projectionId;
    String c = dtype == DType.FLOAT16 ? "cast to FLOAT16" : "";
    return String.join(" + ", java.util.stream.Stream.of(p, c).filter(s -> !s.isEmpty()).toList());
  }
}
