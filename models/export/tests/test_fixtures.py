"""Preprocessing fixtures: reproducible from their committed sources, torchvision rounding, sizes; sample images."""

import json
import os
import shutil
import tempfile
import unittest

import _paths  # noqa: F401  (sys.path)
import numpy as np

from anyup_export import preprocess as P
from anyup_export.npyio import load_npy, sha256_file

FIX = _paths.FIXTURES


def fixtures():
    with open(os.path.join(FIX, "fixtures.json")) as f:
        return json.load(f)["fixtures"]


class FixturesTest(unittest.TestCase):

    def test_everyFixture_isReproducedFromItsSource(self):
        for e in fixtures():
            with self.subTest(e["file"]):
                src = os.path.join(FIX, e["source"])
                self.assertEqual(sha256_file(src), e["source_sha256"])
                want = load_npy(os.path.join(FIX, e["file"]))
                self.assertEqual((want.dtype.str, list(want.shape)), ("<f4", e["shape"]))
                got, info = P.preprocess_file(src, e["size"], e["mode"])
                np.testing.assert_allclose(got, want, atol=1e-6)
                for k in ("resized_width", "resized_height", "crop_left", "crop_top", "source_width",
                          "source_height"):
                    self.assertEqual(info[k], e[k], k)

    def test_sourcesNextToFixtures_areTheTestImages(self):
        for e in fixtures():
            self.assertEqual(sha256_file(os.path.join(_paths.TEST_IMAGES, e["source"])), e["source_sha256"])

    def test_fixtures_coverModesSizesAndHalfToEvenCrop(self):
        cases = {(e["mode"], e["size"]) for e in fixtures()}
        self.assertIn(("SHORTER_SIDE_CENTER_CROP", 224), cases)
        self.assertIn(("SHORTER_SIDE_CENTER_CROP", 448), cases)
        self.assertIn(("SQUASH", 224), cases)
        halves = [e for e in fixtures() if e["mode"] == "SHORTER_SIDE_CENTER_CROP"
                  and (max(e["resized_width"], e["resized_height"]) - e["size"]) % 2 == 1]
        self.assertTrue(halves, "need a case where the crop offset is x.5")
        for e in halves:
            off = (max(e["resized_width"], e["resized_height"]) - e["size"]) / 2.0
            self.assertEqual(max(e["crop_left"], e["crop_top"]), int(round(off)))

    def test_torchvisionResizeRule(self):
        self.assertEqual(P.resized_size(300, 451, 224, "SHORTER_SIDE_CENTER_CROP"), (224, 336))
        self.assertEqual(P.resized_size(512, 340, 224, "SHORTER_SIDE_CENTER_CROP"), (337, 224))
        self.assertEqual(P.resized_size(100, 100, 224, "SHORTER_SIDE_CENTER_CROP"), (224, 224))
        self.assertEqual(P.resized_size(300, 451, 224, "SQUASH"), (224, 224))
        with self.assertRaises(ValueError):
            P.resized_size(1, 1, 224, "LETTERBOX")

    def test_normalisation_isMeanStd(self):
        rgb = np.full((10, 10, 3), 255, np.uint8)
        x, _ = P.preprocess(rgb, 10, "SQUASH")
        np.testing.assert_allclose(x[:, 0, 0], (1 - np.array(P.MEAN)) / np.array(P.STD), rtol=1e-6)

    def test_fixtureCommand_writesTheSameFiles(self):
        from anyup_export.fixtures import write_fixtures
        tmp = tempfile.mkdtemp(prefix="anyup-fix-")
        try:
            write_fixtures(tmp, log=lambda *a: None)
            for e in fixtures():
                self.assertEqual(sha256_file(os.path.join(tmp, e["file"])), sha256_file(os.path.join(FIX, e["file"])))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class SampleImagesTest(unittest.TestCase):

    def test_everyImage_isListedInSources(self):
        for d in (_paths.TEST_IMAGES, _paths.DEMO_SAMPLES):
            listed = open(os.path.join(d, "SOURCES.md")).read()
            for name in os.listdir(d):
                if name != "SOURCES.md":
                    self.assertIn("`%s`" % name, listed, "%s/%s" % (d, name))

    def test_demoSamples_areSmall(self):
        total = 0
        from PIL import Image
        for name in os.listdir(_paths.DEMO_SAMPLES):
            if name == "SOURCES.md":
                continue
            path = os.path.join(_paths.DEMO_SAMPLES, name)
            total += os.path.getsize(path)
            with Image.open(path) as im:
                self.assertLessEqual(max(im.size), 640, name)
        self.assertLess(total, 2 * 1024 * 1024)


if __name__ == "__main__":
    unittest.main()
