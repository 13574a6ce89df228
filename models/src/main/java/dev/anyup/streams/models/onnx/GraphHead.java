package dev.anyup.streams.models.onnx;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.OutputHead;
import dev.anyup.streams.models.Projection;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Appends an {@link OutputHead} to a serialised ONNX model: a 1×1 {@code Conv} for the projection (weights
 * {@code [out, in, 1, 1]}, bias {@code −basis · mean}) and/or a {@code Cast} to float16, reading the graph's output
 * {@code source} and writing a new graph output {@link #OUTPUT}. The original outputs stay as they are.
 *
 * <p>It works on the protobuf wire format alone: a parser merges a second occurrence of a singular message field into
 * the first (appending to its repeated fields), so the model's bytes followed by one more {@code ModelProto.graph}
 * field holding only the new nodes, initialisers and output are the same model with those appended to its graph
 * (protobuf's documented merge of concatenated messages). No ONNX protobuf classes are needed and the original bytes
 * are not rewritten. Field numbers are those of onnx.proto (IR version 3 and later).
 */
final class GraphHead {

  /** The name of the head's graph output. */
  static final String OUTPUT = "anyup_streams.dense";

  private static final String WEIGHT = "anyup_streams.projection.weight";
  private static final String BIAS = "anyup_streams.projection.bias";
  private static final String PROJECTED = "anyup_streams.projected";

  // onnx.proto TensorProto.DataType
  private static final int ELEM_FLOAT = 1;
  private static final int ELEM_FLOAT16 = 10;
  // AttributeProto.AttributeType.INT
  private static final int ATTR_INT = 2;
  /** {@code Cast}'s integer {@code to} attribute exists from opset 6 on. */
  private static final long MIN_OPSET = 6;

  private GraphHead() {}

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
    if ((projection == null) != (head.projectionId() == null)) {
      throw new IllegalArgumentException("projection " + (projection == null ? "missing" : projection.id())
          + " for head " + head);
    }
    long opset = defaultOpset(model);
    if (opset < MIN_OPSET) {
      throw new IllegalArgumentException("the model imports ONNX opset " + opset + ", the head needs " + MIN_OPSET
          + " or later");
    }
    Proto graph = new Proto();
    String current = source;
    boolean cast = head.dtype() == DType.FLOAT16;
    if (projection != null) {
      int out = projection.outChannels();
      int in = projection.inChannels();
      graph.message(5, floatTensor(WEIGHT, new long[] {out, in, 1, 1}, projection.basis()));
      graph.message(5, floatTensor(BIAS, new long[] {out}, projection.offset()));
      String target = cast ? PROJECTED : OUTPUT;
      graph.message(1, node("Conv", new String[] {current, WEIGHT, BIAS}, target, null));
      current = target;
    }
    if (cast) {
      Proto to = new Proto().string(1, "to").varint(3, ELEM_FLOAT16).varint(20, ATTR_INT);
      graph.message(1, node("Cast", new String[] {current}, OUTPUT, to));
    }
    // ValueInfoProto { name, type { tensor_type { elem_type } } }: rank and dims are left to shape inference
    Proto tensorType = new Proto().varint(1, cast ? ELEM_FLOAT16 : ELEM_FLOAT);
    Proto type = new Proto().message(1, tensorType);
    graph.message(12, new Proto().string(1, OUTPUT).message(2, type));
    byte[] tail = new Proto().message(7, graph).bytes();
    byte[] out = new byte[model.length + tail.length];
    System.arraycopy(model, 0, out, 0, model.length);
    System.arraycopy(tail, 0, out, model.length, tail.length);
    return out;
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

  private static Proto node(String op, String[] inputs, String output, Proto attribute) {
    Proto n = new Proto();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output).string(3, "anyup_streams." + op.toLowerCase(java.util.Locale.ROOT)).string(4, op);
    if (attribute != null) {
      n.message(5, attribute);
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
