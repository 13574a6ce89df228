package dev.anyup.streams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.topology.AppConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryAdmissionTest {
  private static final long MIB = 1024 * 1024;

  private static AppConfig config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url",
        "mock://admission"));
    m.putAll(extra);
    return AppConfig.fromMap(m);
  }

  @Test
  void defaultLimitsFitALargeHeap() {
    AppConfig cfg = config(Map.of());
    MemoryAdmission a = MemoryAdmission.of(cfg, 8192 * MIB, 2, MIB);
    assertTrue(a.fits(), a.line());
    assertTrue(a.line().endsWith(": fits"), a.line());
    assertSame(cfg, AnyupApp.admitted(cfg, a));
  }

  /** The case: 50 Mpx default, -Xmx320m, two stream threads. */
  @Test
  void defaultPixelLimitIsLoweredToWhatA320MibHeapHolds() {
    AppConfig cfg = config(Map.of());
    MemoryAdmission a = MemoryAdmission.of(cfg, 320 * MIB, 2, MIB);
    assertFalse(a.fits());
    assertFalse(a.refused());
    // (320 MiB * 60 % - 64 MiB) / 2 - 2 * 20 MiB - 3 * 1 MiB = 22,020,090 B at 11 B/pixel: 2,001,826, rounded down
    assertEquals(2_000_000, a.fittingPixels());
    assertTrue(a.line().contains("limits.image.max.pixels lowered from 50,000,000 to 2,000,000"), a.line());
    assertTrue(a.line().contains("-Xmx"), a.line());
    AppConfig admitted = AnyupApp.admitted(cfg, a);
    assertEquals(2_000_000, admitted.limits().maxImagePixels());
    assertEquals(cfg.limits().maxImageBytes(), admitted.limits().maxImageBytes());
    // at the heap the line names, the configured limit fits
    long suggested = Long.parseLong(a.line().replaceAll(".*-Xmx(\\d+)m.*", "$1"));
    assertTrue(MemoryAdmission.of(cfg, suggested * MIB, 2, MIB).fits(), "-Xmx" + suggested + "m");
    assertFalse(MemoryAdmission.of(cfg, (suggested - 2) * MIB, 2, MIB).fits(), "-Xmx" + (suggested - 2) + "m");
  }

  @Test
  void moreImagesInFlightLowerTheLimitFurther() {
    AppConfig cfg = config(Map.of());
    assertTrue(MemoryAdmission.of(cfg, 2048 * MIB, 4, MIB).fittingPixels()
        < MemoryAdmission.of(cfg, 2048 * MIB, 2, MIB).fittingPixels());
  }

  @Test
  void startIsRefusedWhenNotEvenTheModelsInputFits() {
    AppConfig cfg = config(Map.of("limits.image.max.bytes", Long.toString(60 * MIB)));
    MemoryAdmission a = MemoryAdmission.of(cfg, 320 * MIB, 2, MIB);
    assertTrue(a.refused());
    StartupException e = assertThrows(StartupException.class, () -> AnyupApp.admitted(cfg, a));
    assertTrue(e.getMessage().startsWith("the heap cannot hold one image at the configured limits"), e.getMessage());
    for (String named : new String[] {"-Xmx", "limits.image.max.bytes 60.0 MiB", "limits.image.max.pixels",
        "streams.num.stream.threads", "the heap (-Xmx) is 320.0 MiB"}) {
      assertTrue(e.getMessage().contains(named), () -> named + " in " + e.getMessage());
    }
    assertFalse(e.getMessage().contains("\n"), "one line");
  }
}
