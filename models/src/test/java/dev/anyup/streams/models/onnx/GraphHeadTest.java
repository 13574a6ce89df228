package dev.anyup.streams.models.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.DType;
import dev.anyup.streams.models.OutputHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

class GraphHeadTest {

  private static byte[] tinyUpsampler() throws Exception {
    Path dir = Paths.get(GraphHeadTest.class.getResource("tiny-bundle/manifest.json").toURI()).getParent();
    return Files.readAllBytes(dir.resolve("upsampler_28.onnx"));
  }

  @Test
  void readsTheDefaultDomainsOpset() throws Exception {
    long opset = GraphHead.defaultOpset(tinyUpsampler());
    assertTrue(opset >= 6 && opset < 100, "opset " + opset);
  }

  @Test
  void refusesBytesThatAreNoModel() {
    OutputHead cast = new OutputHead(DType.FLOAT16, null, false);
    // field 2, wire type 2, length 100 with 1 byte left
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(new byte[] {0x12, 100, 1}, "upsampled", cast, null));
    assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    // a well-formed message without opset_import: nothing to build on
    e = assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(new byte[] {0x08, 7}, "upsampled", cast, null));
    assertTrue(e.getMessage().contains("opset 0"), e.getMessage());
  }

  @Test
  void appendsToTheOriginalBytesWithoutRewritingThem() throws Exception {
    byte[] model = tinyUpsampler();
    byte[] headed = GraphHead.append(model, "upsampled", new OutputHead(DType.FLOAT16, null, false), null);
    assertTrue(headed.length > model.length);
    assertEquals(java.nio.ByteBuffer.wrap(model), java.nio.ByteBuffer.wrap(headed, 0, model.length));
    assertEquals(GraphHead.defaultOpset(model), GraphHead.defaultOpset(headed));
    assertThrows(IllegalArgumentException.class,
        () -> GraphHead.append(model, "upsampled", new OutputHead(DType.INT8, null, false), null), "no-op head");
  }
}
