package dev.anyup.streams.models.onnx;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.Projection;
import dev.anyup.streams.models.segmentation.LinearProbe;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Appends an {@link OutputHead} to a serialised ONNX model: a 1×1 {@code Conv} for the projection (weights
 * {@code [out, in, 1, 1]}, bias {@code −basis · mean}) and/or a {@code Cast} to float16, reading the graph's output
 * {@code source} and writing a new graph output {@link #OUTPUT}. The original outputs stay as they are (unless
 * {@link Spec#dropSource()} says otherwise, below).
 *
 * <p>It works on the protobuf wire format alone: a parser merges a second occurrence of a singular message field into
 * the first (appending to its repeated fields), so the model's bytes followed by one more {@code ModelProto.graph}
 * field holding only the new nodes, initialisers and output are the same model with those appended to its graph
 * (protobuf's documented merge of concatenated messages). No ONNX protobuf classes are needed and the original bytes
 * are not rewritten. Field numbers are those of onnx.proto (IR version 3 and later).
 *
 * <p>The probe head ({@link Spec#probe()}) is appended the same way, beside the dense head or alone: a segmentation
 * label map (and optionally its confidence) computed where the features are, so that a caller who needs only labels
 * can leave the 32-bit map in the runtime. Dropping the source from the graph outputs ({@link Spec#dropSource()})
 * is the one edit that rewrites bytes: the graph message is re-encoded without that one output entry.
 */
final class GraphHead {

  /** The name of the head's graph output. */
  static final String OUTPUT = "anyup_streams.dense";
  /** The probe head's label map {@code [B, H, W]}: uint8 for up to 256 classes, else int32. */
  static final String LABELS = "anyup_streams.labels";
  /** The probe head's confidence {@code [B, H, W]} (float32): the winning class's softmax probability. */
  static final String CONFIDENCE = "anyup_streams.confidence";

  private static final String WEIGHT = "anyup_streams.projection.weight";
  private static final String BIAS = "anyup_streams.projection.bias";
  private static final String PROJECTED = "anyup_streams.projected";
  private static final String PROBE_WEIGHT = "anyup_streams.probe.weight";
  private static final String PROBE_BIAS = "anyup_streams.probe.bias";
  private static final String SCORES = "anyup_streams.probe.scores";
  private static final String ARGMAX = "anyup_streams.probe.argmax";
  private static final String SOFTMAX = "anyup_streams.probe.softmax";
  private static final String AXES = "anyup_streams.probe.axes";

  // onnx.proto TensorProto.DataType
  private static final int ELEM_FLOAT = 1;
  private static final int ELEM_UINT8 = 2;
  private static final int ELEM_INT32 = 6;
  private static final int ELEM_INT64 = 7;
  private static final int ELEM_FLOAT16 = 10;
  // AttributeProto.AttributeType
  private static final int ATTR_INT = 2;
  private static final int ATTR_INTS = 7;
  /** {@code Cast}'s integer {@code to} attribute exists from opset 6 on. */
  private static final long MIN_OPSET = 6;
  /**
   * The probe head needs opset 13: before it {@code Softmax(axis=1)} normalises over the flattened
   * {@code [K, H, W]} block rather than over the classes of each pixel.
   */
  static final long PROBE_MIN_OPSET = 13;
  /** From opset 18 on {@code ReduceMax} takes its axes as an input rather than an attribute. */
  private static final long REDUCE_AXES_INPUT_OPSET = 18;
  /** Probes with at most this many classes get uint8 labels (a quarter of int32's bytes to copy out). */
  static final int UINT8_CLASSES = 256;

  private GraphHead() {}

  /**
   * What to append: the dense {@link OutputHead} and/or a probe head.
   *
   * @param dense the dense head, or {@code null} (or an inactive head) for none
   * @param projection the dense head's projection (its id must be {@code dense.projectionId()}), or {@code null}
   * @param probe the segmentation probe ({@code Conv} 1×1 → {@code ArgMax} → {@link #LABELS}), or {@code null}
   * @param confidence whether the probe head also writes {@link #CONFIDENCE}
   * @param dropSource whether {@code source} stops being a graph output (stays an intermediate), so that ONNX
   *     Runtime neither keeps nor copies it out (on CUDA every graph output is copied to host memory)
   */
  record Spec(OutputHead dense, Projection projection, LinearProbe probe, boolean confidence, boolean dropSource) {

    boolean denseActive() {
      return dense != null && dense.active();
    }
  }

  /**
   * The model {@code model} with {@code head} appended after its output {@code source}.
   *
   * @param projection the head's projection (its id must be {@code head.projectionId()}), or {@code null}
   * @throws IllegalArgumentException when the bytes are not an ONNX model this can extend (no default-domain opset
   *     of at least 6, or not parseable as a ModelProto)
   */
  static byte[] append(byte[] model, String source, OutputHead head, Projection projection) {
    if (!head.active()) {
      throw new IllegalArgumentException("the head does nothing: " + head);
    }
    return append(model, source, new Spec(head, projection, null, false, false));
  }

  /**
   * The model {@code model} with the heads of {@code spec} appended after its output {@code source}.
   *
   * @throws IllegalArgumentException when the spec asks for nothing, or the bytes are not an ONNX model this can
   *     extend (opset before 6, before {@value #PROBE_MIN_OPSET} with a probe, no output {@code source} to drop, or
   *     not parseable as a ModelProto)
   */
  static byte[] append(byte[] model, String source, Spec spec) {
    OutputHead head = spec.dense();
    Projection projection = spec.projection();
    boolean dense = spec.denseActive();
    if (!dense && spec.probe() == null) {
      throw new IllegalArgumentException("the head does nothing: " + (head == null ? "none" : head)
          + " and no probe");
    }
    if (dense && (projection == null) != (head.projectionId() == null)) {
      throw new IllegalArgumentException("projection " + (projection == null ? "missing" : projection.id())
          + " for head " + head);
    }
    long opset = defaultOpset(model);
    long needed = spec.probe() != null ? PROBE_MIN_OPSET : MIN_OPSET;
    if (opset < needed) {
      throw new IllegalArgumentException("the model imports ONNX opset " + opset + ", the "
          + (spec.probe() != null ? "probe head" : "head") + " needs " + needed + " or later");
    }
    Proto graph = new Proto();
    if (dense) {
      denseHead(graph, source, head, projection);
    }
    if (spec.probe() != null) {
      probeHead(graph, source, spec.probe(), spec.confidence(), opset);
    }
    byte[] base = spec.dropSource() ? withoutOutput(model, source) : model;
    byte[] tail = new Proto().message(7, graph).bytes();
    byte[] out = new byte[base.length + tail.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(tail, 0, out, base.length, tail.length);
    return out;
  }

  private static void denseHead(Proto graph, String source, OutputHead head, Projection projection) {
    String current = source;
    boolean cast = head.dtype() == DType.FLOAT16;
    if (projection != null) {
      int out = projection.outChannels();
      int in = projection.inChannels();
      graph.message(5, floatTensor(WEIGHT, new long[] {out, in, 1, 1}, projection.basis()));
      graph.message(5, floatTensor(BIAS, new long[] {out}, projection.offset()));
      String target = cast ? PROJECTED : OUTPUT;
      graph.message(1, node("Conv", new String[] {current, WEIGHT, BIAS}, target));
      current = target;
    }
    if (cast) {
      graph.message(1, node("Cast", new String[] {current}, OUTPUT, intAttribute("to", ELEM_FLOAT16)));
    }
    graph.message(12, output(OUTPUT, cast ? ELEM_FLOAT16 : ELEM_FLOAT));
  }

  /**
   * {@code Conv(source, W[K,C,1,1], b[K])} → {@code ArgMax(axis=1, keepdims=0)} (the first index on ties, as
   * {@link LinearProbe#label} does) → {@code Cast} to uint8/int32 → {@link #LABELS}; with {@code confidence}
   * {@code Softmax(axis=1)} → {@code ReduceMax(axis=1, keepdims=0)} → {@link #CONFIDENCE}.
   */
  private static void probeHead(Proto graph, String source, LinearProbe probe, boolean confidence, long opset) {
    int k = probe.classes();
    graph.message(5, floatTensor(PROBE_WEIGHT, new long[] {k, probe.channels(), 1, 1}, probe.weights()));
    graph.message(5, floatTensor(PROBE_BIAS, new long[] {k}, probe.bias()));
    graph.message(1, node("Conv", new String[] {source, PROBE_WEIGHT, PROBE_BIAS}, SCORES));
    graph.message(1, node("ArgMax", new String[] {SCORES}, ARGMAX, intAttribute("axis", 1),
        intAttribute("keepdims", 0), intAttribute("select_last_index", 0)));
    int labelType = labelElementType(k);
    graph.message(1, node("Cast", new String[] {ARGMAX}, LABELS, intAttribute("to", labelType)));
    graph.message(12, output(LABELS, labelType));
    if (confidence) {
      graph.message(1, node("Softmax", new String[] {SCORES}, SOFTMAX, intAttribute("axis", 1)));
      if (opset >= REDUCE_AXES_INPUT_OPSET) {
        Proto axes = new Proto().varint(1, 1).varint(2, ELEM_INT64).string(8, AXES)
            .bytes(9, new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
        graph.message(5, axes);
        graph.message(1, node("ReduceMax", new String[] {SOFTMAX, AXES}, CONFIDENCE, intAttribute("keepdims", 0)));
      } else {
        Proto axes = new Proto().string(1, "axes").varint(8, 1).varint(20, ATTR_INTS);
        graph.message(1, node("ReduceMax", new String[] {SOFTMAX}, CONFIDENCE, axes, intAttribute("keepdims", 0)));
      }
      graph.message(12, output(CONFIDENCE, ELEM_FLOAT));
    }
  }

  /** The ONNX element type of a {@code classes}-class probe's labels: uint8 up to 256 classes, else int32. */
  static int labelElementType(int classes) {
    return classes <= UINT8_CLASSES ? ELEM_UINT8 : ELEM_INT32;
  }

  /** ValueInfoProto { name, type { tensor_type { elem_type } } }: rank and dims are left to shape inference. */
  private static Proto output(String name, int elemType) {
    Proto tensorType = new Proto().varint(1, elemType);
    Proto type = new Proto().message(1, tensorType);
    return new Proto().string(1, name).message(2, type);
  }

  private static Proto intAttribute(String name, long value) {
    return new Proto().string(1, name).varint(3, value).varint(20, ATTR_INT);
  }

  /**
   * {@code model} with the graph output {@code name} removed from {@code ModelProto.graph.output} (field 12); every
   * other field is copied as it is. The tensor stays the output of its node, only no longer a result of the graph.
   */
  static byte[] withoutOutput(byte[] model, String name) {
    Proto out = new Proto();
    boolean[] found = {false};
    Reader r = new Reader(model, 0, model.length);
    while (r.more()) {
      int start = r.pos;
      long key = r.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 7 && wire == 2) {
        int len = (int) r.varint();
        out.bytes(7, graphWithoutOutput(model, r.pos, r.pos + len, name, found));
        r.pos += len;
      } else {
        r.skip(wire);
        out.raw(model, start, r.pos);
      }
    }
    if (!found[0]) {
      throw new IllegalArgumentException("the model has no graph output '" + name + "' to drop");
    }
    return out.bytes();
  }

  private static byte[] graphWithoutOutput(byte[] model, int from, int to, String name, boolean[] found) {
    Proto graph = new Proto();
    Reader r = new Reader(model, from, to);
    while (r.more()) {
      int start = r.pos;
      long key = r.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 12 && wire == 2) {
        int len = (int) r.varint();
        if (name.equals(valueInfoName(model, r.pos, r.pos + len))) {
          found[0] = true;
          r.pos += len;
          continue;
        }
        r.pos += len;
      } else {
        r.skip(wire);
      }
      graph.raw(model, start, r.pos);
    }
    return graph.bytes();
  }

  /** ValueInfoProto.name (field 1) of the message in {@code buf[from, to)}, or null. */
  private static String valueInfoName(byte[] buf, int from, int to) {
    Reader r = new Reader(buf, from, to);
    while (r.more()) {
      long k = r.varint();
      if ((k >>> 3) == 1 && (k & 7) == 2) {
        int n = (int) r.varint();
        return new String(buf, r.pos, n, StandardCharsets.UTF_8);
      }
      r.skip((int) (k & 7));
    }
    return null;
  }

  /** The version of the default ONNX domain in the model's {@code opset_import}, 0 when it has none. */
  static long defaultOpset(byte[] model) {
    long version = 0;
    Reader r = new Reader(model, 0, model.length);
    while (r.more()) {
      long key = r.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 8 && wire == 2) { // ModelProto.opset_import: OperatorSetIdProto { domain = 1; version = 2 }
        int len = (int) r.varint();
        Reader set = new Reader(model, r.pos, r.pos + len);
        String domain = "";
        long v = 0;
        while (set.more()) {
          long k = set.varint();
          if ((k >>> 3) == 1 && (k & 7) == 2) {
            int n = (int) set.varint();
            domain = new String(model, set.pos, n, StandardCharsets.UTF_8);
            set.pos += n;
          } else if ((k >>> 3) == 2 && (k & 7) == 0) {
            v = set.varint();
          } else {
            set.skip((int) (k & 7));
          }
        }
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
          version = Math.max(version, v);
        }
        r.pos += len;
      } else {
        r.skip(wire);
      }
    }
    return version;
  }

  /** NodeProto { input = 1; output = 2; name = 3 (its output's: unique); op_type = 4; attribute = 5 }. */
  private static Proto node(String op, String[] inputs, String output, Proto... attributes) {
    Proto n = new Proto();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output).string(3, output).string(4, op);
    for (Proto a : attributes) {
      n.message(5, a);
    }
    return n;
  }

  /** TensorProto { dims = 1; data_type = 2; name = 8; raw_data = 9 (little-endian) }. */
  private static Proto floatTensor(String name, long[] dims, float[] values) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return t.varint(2, ELEM_FLOAT).string(8, name).bytes(9, raw.array());
  }

  /** A protobuf message being written: fields appended in call order. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      raw((long) field << 3);
      raw(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
      return bytes(field, value.bytes());
    }

    Proto bytes(int field, byte[] value) {
      raw(((long) field << 3) | 2);
      raw(value.length);
      out.writeBytes(value);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    /** Appends {@code buf[from, to)} as it is (an already encoded field). */
    Proto raw(byte[] buf, int from, int to) {
      out.write(buf, from, to - from);
      return this;
    }

    private void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
  }

  /** Reads the wire format of {@code buf[pos, end)}. */
  private static final class Reader {
    private final byte[] buf;
    private final int end;
    private int pos;

    Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalArgumentException("not an ONNX model: truncated varint at byte " + pos);
        }
        byte b = buf[pos++];
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("not an ONNX model: varint longer than 10 bytes at byte " + pos);
    }

    void skip(int wire) {
      switch (wire) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          long len = varint();
          if (len < 0 || len > end - pos) {
            throw new IllegalArgumentException("not an ONNX model: field of " + len + " bytes at byte " + pos
                + " runs past the end");
          }
          pos += (int) len;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("not an ONNX model: wire type " + wire + " at byte " + pos);
      }
      if (pos > end) {
        throw new IllegalArgumentException("not an ONNX model: field runs past the end");
      }
    }
  }
}
