package dev.anyup.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.anyup.streams.models.ImageLimits;
import dev.anyup.streams.models.InferenceOptions;
import dev.anyup.streams.models.UpsamplerKind;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A library user with {@code InferenceOptions.defaults()} and {@code ImageLimits.defaults()} runs the models as the
 * app does with no {@code model.*} or {@code limits.*} key set (the one deliberate difference, ONNX Runtime's thread
 * count, is documented on {@link InferenceOptions#defaults()}).
 */
class LibraryDefaultsTest {

  private static final AppConfig APP = AppConfig.fromMap(Map.of("bootstrap.servers", "b:1",
      "schema.registry.url", "mock://x"));

  @Test
  void inferenceOptionsDefaultsAreTheAppsModelDefaults() {
    InferenceOptions library = InferenceOptions.defaults();
    AppConfig.Model app = APP.model();
    assertEquals(app.device(), library.device());
    assertEquals(UpsamplerKind.parse(app.upsampler()), library.upsampler());
    assertEquals(app.spinning(), library.spinning(), "model.spinning");
    assertEquals(app.memoryPatternMaxSize(), library.memoryPatternMaxSize(), "model.memory.pattern.max.size");
  }

  @Test
  void imageLimitsDefaultsAreTheAppsLimits() {
    assertEquals(APP.limits().imageLimits(), ImageLimits.defaults());
  }
}
