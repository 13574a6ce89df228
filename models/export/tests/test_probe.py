"""`convert-probe`: Conv2d / Linear state dicts and nested checkpoints to the probe JSON, exact float32 round trip,
and the strict refusals (missing keys, wrong shapes, class count)."""

import json
import os
import shutil
import tempfile
import unittest

import _paths  # noqa: F401  (sys.path)
import numpy as np
import torch

from anyup_export import probe as P
from test_export import run_cli


class ConvertProbeTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="anyup-probe-test-")
        torch.manual_seed(0)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _path(self, name):
        return os.path.join(self.tmp, name)

    def _save(self, obj, name="probe.pt"):
        path = self._path(name)
        torch.save(obj, path)
        return path

    def _convert(self, state_dict_path, *extra):
        out = self._path("probe.json")
        rc, _ = run_cli("convert-probe", state_dict_path, out, "--name", "p", *extra)
        return rc, out

    def test_conv2d_stateDict_becomesTheProbeJson_withExactFloat32s(self):
        conv = torch.nn.Conv2d(6, 3, 1)
        rc, out = self._convert(self._save(conv.state_dict()), "--classes", "a,b,c", "--version", "2",
                                "--encoder-sha256", "ab" * 32)
        self.assertEqual(rc, 0)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["format"], "anyup-streams-probe")
        self.assertEqual(doc["format_version"], 1)
        self.assertEqual((doc["name"], doc["version"], doc["channels"]), ("p", "2", 6))
        self.assertEqual(doc["classes"], ["a", "b", "c"])
        self.assertEqual(doc["encoder_sha256"], "ab" * 32)
        w = np.asarray(doc["weights"], dtype=np.float32)
        b = np.asarray(doc["bias"], dtype=np.float32)
        # bit for bit: the decimal read back (as Java does, double then float) is the float32 that was saved
        np.testing.assert_array_equal(w.view(np.uint32), conv.weight.detach().numpy().reshape(3, 6).view(np.uint32))
        np.testing.assert_array_equal(b.view(np.uint32), conv.bias.detach().numpy().view(np.uint32))
        self.assertTrue(all(float(np.float32(v)) == v for row in doc["weights"] for v in row))

    def test_linear_inANestedCheckpoint_withAPrefix_andAClassesFile(self):
        model = torch.nn.Sequential(torch.nn.Identity(), torch.nn.Linear(4, 2))
        path = self._save({"epoch": 3, "state_dict": model.state_dict()}, "ckpt.pth")
        classes = self._path("classes.txt")
        with open(classes, "w") as f:
            f.write("background\nperson\n\n")
        rc, out = self._convert(path, "--prefix", "1.", "--classes-file", classes, "--channels", "4")
        self.assertEqual(rc, 0)
        doc, w, b = P.read_probe(out)
        self.assertEqual(doc["classes"], ["background", "person"])
        np.testing.assert_array_equal(w, model[1].weight.detach().numpy())
        np.testing.assert_array_equal(b, model[1].bias.detach().numpy())

    def test_explicitKey_selectsTheStateDict(self):
        lin = torch.nn.Linear(4, 2)
        path = self._save({"ema": lin.state_dict(), "raw": torch.nn.Linear(4, 2).state_dict()})
        doc = P.convert(path, self._path("out.json"), "p", classes="x,y", key="ema")
        np.testing.assert_array_equal(np.asarray(doc["bias"], np.float32), lin.bias.detach().numpy())

    def test_float64Weights_areRoundedToFloat32Once(self):
        sd = {"weight": torch.randn(2, 3, dtype=torch.float64), "bias": torch.randn(2, dtype=torch.float64)}
        doc = P.convert(self._save(sd), self._path("out.json"), "p", classes="x,y")
        np.testing.assert_array_equal(np.asarray(doc["weights"], np.float32), sd["weight"].numpy().astype(np.float32))

    def _refused(self, fragment, fn):
        with self.assertRaises(P.ProbeError) as e:
            fn()
        self.assertIn(fragment, str(e.exception))

    def test_missingWeightOrBias_isRefusedNamingTheKeys(self):
        sd = torch.nn.Conv2d(4, 2, 1).state_dict()
        path = self._save({"head.weight": sd["weight"]})
        self._refused("no 'head.bias'", lambda: P.convert(path, self._path("o.json"), "p", classes="a,b",
                                                           prefix="head."))
        self._refused("no 'weight' or 'bias'", lambda: P.convert(path, self._path("o.json"), "p", classes="a,b"))
        self.assertFalse(os.path.exists(self._path("o.json")), "nothing written")

    def test_wrongShapes_areRefused(self):
        self._refused("[2, 4, 3, 3]", lambda: P.probe_arrays(torch.nn.Conv2d(4, 2, 3).state_dict()))
        self._refused("[2, 4, 1]", lambda: P.probe_arrays({"weight": torch.zeros(2, 4, 1), "bias": torch.zeros(2)}))
        self._refused("needs [2]", lambda: P.probe_arrays({"weight": torch.zeros(2, 4), "bias": torch.zeros(3)}))

    def test_classCountMismatch_isRefused(self):
        path = self._save(torch.nn.Linear(4, 3).state_dict())
        self._refused("2 class names for a probe with 3 classes",
                      lambda: P.convert(path, self._path("o.json"), "p", classes="a,b"))
        self._refused("repeat", lambda: P.read_classes("a,b,a"))
        self._refused("blank", lambda: P.read_classes("a,,b"))

    def test_channelCheck_andNonFiniteNumbers_areRefused(self):
        path = self._save(torch.nn.Linear(4, 2).state_dict())
        self._refused("--channels says the encoder makes 384",
                      lambda: P.convert(path, self._path("o.json"), "p", classes="a,b", channels=384))
        bad = {"weight": torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), "bias": torch.zeros(2)}
        self._refused("non-finite value at [0, 1]", lambda: P.probe_arrays(bad))

    def test_cli_failsWithExitCode2_onABadProbe(self):
        path = self._save(torch.nn.Linear(4, 3).state_dict())
        rc, out = self._convert(path, "--classes", "a,b")
        self.assertEqual(rc, 2)
        self.assertFalse(os.path.exists(out))


class ProbeFixturesTest(unittest.TestCase):
    """The Java exactness test's fixtures are what tools/probe_fixtures.py computes from the committed bundle."""

    def test_committedFixtures_areReproducible(self):
        import sys
        from PIL import Image
        sys.path.insert(0, os.path.join(_paths.EXPORT_DIR, "tools"))
        import probe_fixtures as F
        up = np.load(os.path.join(_paths.DEFAULT_BUNDLE, "ref", "ref_224_upsampled.npy"))[0]
        w, b = F.seeded_probe(up.shape[0], len(F.CLASSES), F.SEED)
        labels, gap, confidence = F.numpy_labels(up, w, b)
        committed = np.asarray(Image.open(os.path.join(F.OUT, "labels.png")))
        compared = committed != F.NEAR_TIE
        np.testing.assert_array_equal(committed[compared], labels[compared])
        np.testing.assert_array_equal(compared, gap > F.TIE)
        doc, pw, pb = P.read_probe(os.path.join(F.OUT, "probe.json"))
        np.testing.assert_array_equal(pw, w)
        np.testing.assert_array_equal(pb, b)
        np.testing.assert_allclose(np.load(os.path.join(F.OUT, "confidence_sub.npy")),
                                   confidence[::F.STRIDE, ::F.STRIDE], rtol=0, atol=1e-7)


if __name__ == "__main__":
    unittest.main()
