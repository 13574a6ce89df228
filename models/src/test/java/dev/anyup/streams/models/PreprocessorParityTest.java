package dev.anyup.streams.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with PyTorch: the export tooling's reference tensors (src/test/resources/fixtures/preprocess, see README.md
 * there) must be reproduced within 1e-2 per value (in practice ~1e-5).
 */
class PreprocessorParityTest {

  private static final String DIR = "/fixtures/preprocess/";
  /** The contract bound; the measured max difference on these fixtures is 5.5e-5. */
  private static final float TOLERANCE = 1e-2f;

  static Stream<JsonNode> fixtures() throws IOException {
    try (InputStream in = PreprocessorParityTest.class.getResourceAsStream(DIR + "fixtures.json")) {
      List<JsonNode> list = new ArrayList<>();
      new ObjectMapper().readTree(in).path("fixtures").forEach(list::add);
      return list.stream();
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = PreprocessorParityTest.class.getResourceAsStream(DIR + name)) {
      return in.readAllBytes();
    }
  }

  private static float[] floats(JsonNode array) {
    float[] f = new float[array.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) array.get(i).asDouble();
    }
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void matchesTorchWithinTolerance(JsonNode fixture) throws IOException {
    DecodedImage image = ImageDecoder.create(ImageLimits.defaults()).decode(resource(fixture.path("source").asText()));
    int size = fixture.path("size").asInt();
    Preprocessor p = Preprocessor.create(size, ResizeMode.valueOf(fixture.path("mode").asText()),
        floats(fixture.path("mean")), floats(fixture.path("std")));
    PreprocessedImage actual = p.apply(image);
    Npy expected = Npy.parse(resource(fixture.path("file").asText()));
    assertEquals(expected.data().length, actual.chw().length);
    float max = 0;
    for (int i = 0; i < actual.chw().length; i++) {
      max = Math.max(max, Math.abs(actual.chw()[i] - expected.data()[i]));
    }
    assertTrue(max <= TOLERANCE, "max |java - torch| = " + max);

    ImageTransform t = actual.transform();
    assertEquals(fixture.path("resized_width").asInt(), (int) Math.round(t.scaleX() * t.sourceWidth()));
    assertEquals(fixture.path("resized_height").asInt(), (int) Math.round(t.scaleY() * t.sourceHeight()));
    assertEquals(fixture.path("crop_left").asInt(), t.cropX() * t.scaleX(), 1e-9);
    assertEquals(fixture.path("crop_top").asInt(), t.cropY() * t.scaleY(), 1e-9);
  }
}
