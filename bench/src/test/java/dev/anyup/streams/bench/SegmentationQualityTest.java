package dev.anyup.streams.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anyup.streams.models.UpsamplerKind;
import org.junit.jupiter.api.Test;

class SegmentationQualityTest {

  @Test
  void smallRunOnBilinearBeatsChanceByAWideMargin() {
    SegmentationQuality quality = new SegmentationQuality(new SegmentationQuality.Setup(8, 5, 224, 1, 4, 8), null);
    SegmentationQuality.Row r = quality.measure(UpsamplerKind.BILINEAR);
    int k = quality.classes().size();
    assertEquals(3, r.heldOut());
    assertTrue(r.conceptCount() >= 5, r.conceptCount() + " textures got an example");
    // chance is about 1/k = 0.1 for 10 textures; colour and filter-bank features separate most textures, so a probe
    // below 0.1 + 0.2 means the features, the fit or the scoring are broken
    assertTrue(r.probe().meanIou() > 1.0 / k + 0.2, "probe mIoU " + r.probe().meanIou());
    assertTrue(r.probe().pixelAccuracy() > 0.5, "probe pixel accuracy " + r.probe().pixelAccuracy());
    assertTrue(r.concepts().meanIou() > 1.0 / k, "concepts mIoU " + r.concepts().meanIou());
    assertTrue(r.probe().boundaryF() > 0 && r.probe().boundaryF() <= 1, "boundary F " + r.probe().boundaryF());
  }
}
