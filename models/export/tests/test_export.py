"""`export` on offline stand-in modules: factories, DINOv2-style dict/tokens, pos-embed freezing, AnyUp-style
shape-dependent upsampler, manifest, hashes, graph contract, references."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import _paths  # noqa: F401  (sys.path)
import numpy as np
import onnx
import torch

from anyup_export import __main__ as cli
from anyup_export import bundle as B
from anyup_export import exporter
from anyup_export.npyio import load_npy, sha256_file


def run_cli(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = cli.main(list(argv))
    return rc, out.getvalue()


class ExportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="anyup-export-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def _dir(self, name):
        return os.path.join(self.tmp, name)

    def test_factoryEncoderWithoutCls_bundleFollowsContract(self):
        out = self._dir("conv")
        rc, _ = run_cli("export", out, "--encoder", "fake_models:tiny_conv_encoder", "--encoder-kwargs",
                        '{"channels": 6}', "--upsampler", "fake_models:fake_anyup", "--sizes", "28,42",
                        "--name", "tiny")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual(m["format_version"], 1)
        self.assertEqual(m["encoder"]["channels"], 6)
        self.assertEqual(m["encoder"]["patch_size"], 14)
        self.assertFalse(m["encoder"]["has_cls"])
        self.assertEqual(m["encoder"]["outputs"], {"patch_features": "patch_features"})
        self.assertEqual([p["input_size"] for p in m["encoder"]["profiles"]], [28, 42])
        self.assertEqual([(p["feature_size"], p["output_size"]) for p in m["upsampler"]["profiles"]],
                         [(2, 28), (3, 42)])
        for p in m["encoder"]["profiles"] + m["upsampler"]["profiles"]:
            self.assertEqual(p["sha256"], sha256_file(os.path.join(out, p["file"])))
        enc = B.graph_io(os.path.join(out, "encoder_42.onnx"))
        self.assertEqual(list(enc["inputs"]), ["image"])
        self.assertEqual(list(enc["outputs"]), ["patch_features"])
        self.assertIsInstance(enc["inputs"]["image"][0], str, "batch axis must be symbolic")
        self.assertEqual(enc["inputs"]["image"][1:], [3, 42, 42])
        self.assertEqual(enc["outputs"]["patch_features"][1:], [6, 3, 3])
        up = B.graph_io(os.path.join(out, "upsampler_28.onnx"))
        self.assertEqual(list(up["inputs"]), ["image", "features"])
        self.assertEqual(list(up["outputs"]), ["upsampled"])
        self.assertIsInstance(up["outputs"]["upsampled"][0], str)
        self.assertLessEqual(up["opset"], 17)
        refs = {r["input_size"]: r for r in m["references"]}
        self.assertEqual(sorted(refs), [28, 42])
        self.assertNotIn("cls", refs[28])
        self.assertEqual(load_npy(os.path.join(out, refs[42]["upsampled"])).shape, (1, 6, 42, 42))
        self.assertEqual(B.verify_bundle(out), [])

    def test_referenceOutputsMatchTheTorchModule(self):
        out = self._dir("ref")
        import fake_models
        rc, _ = run_cli("export", out, "--encoder", "fake_models:tiny_conv_encoder", "--sizes", "28")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertNotIn("upsampler", m)
        r = m["references"][0]
        x = torch.from_numpy(load_npy(os.path.join(out, r["image"])))
        with torch.no_grad():
            want = fake_models.tiny_conv_encoder().eval()(x).numpy()
        got = load_npy(os.path.join(out, r["patch_features"]))
        np.testing.assert_allclose(got, want, atol=1e-6)

    def test_dinov2StyleEncoder_posEmbedFrozen_noResizeInGraph(self):
        import fake_models
        model = fake_models.fake_dinov2().eval()
        x = torch.randn(1, 3, 42, 42)
        with torch.no_grad():
            before = model.forward_features(x)["x_norm_patchtokens"]
        with self.assertRaises(Exception, msg="antialiased bicubic must not be exportable (else the pitfall is moot)"):
            with contextlib.redirect_stderr(io.StringIO()):
                torch.onnx.export(exporter.EncoderWrapper(model, 42).eval(), (x,), self._dir("raw.onnx"),
                                  opset_version=17)
        out = self._dir("dino")
        rc, _ = run_cli("export", out, "--encoder", "fake_models:fake_dinov2", "--upsampler",
                        "fake_models:sized_upsampler", "--sizes", "42,56", "--upsampled-dtype", "f2")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertTrue(m["encoder"]["has_cls"])
        self.assertEqual(m["encoder"]["channels"], 12)
        graph = onnx.load(os.path.join(out, "encoder_42.onnx"))
        self.assertNotIn("Resize", {n.op_type for n in graph.graph.node})
        r = {r["input_size"]: r for r in m["references"]}[42]
        self.assertEqual(load_npy(os.path.join(out, r["cls"])).shape, (1, 12))
        self.assertEqual(load_npy(os.path.join(out, r["upsampled"])).dtype.str, "<f2")
        # Frozen positional embedding = what the model computes at that size: same features as before.
        xr = torch.from_numpy(load_npy(os.path.join(out, r["image"])))
        with torch.no_grad():
            tokens = fake_models.fake_dinov2().eval().forward_features(xr)["x_norm_patchtokens"]
        want = tokens.transpose(1, 2).reshape(1, 12, 3, 3).numpy()
        np.testing.assert_allclose(load_npy(os.path.join(out, r["patch_features"])), want, atol=1e-5)
        self.assertEqual(before.shape, (1, 9, 12))

    def test_pcaProjectionFromImages(self):
        out = self._dir("pca")
        rc, _ = run_cli("export", out, "--encoder", "fake_models:tiny_conv_encoder", "--sizes", "28",
                        "--pca", "4", "--pca-images", _paths.DEMO_SAMPLES)
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        p = m["projections"][0]
        self.assertEqual((p["id"], p["in_channels"], p["out_channels"]), ("pca4", 8, 4))
        basis = load_npy(os.path.join(out, p["file"]))
        np.testing.assert_allclose(basis @ basis.T, np.eye(4), atol=1e-5)

    def test_badFactorySpec_isRefused(self):
        with self.assertRaises(ValueError):
            exporter.load_factory("no_colon_here")

    def test_encoderOutputThatDoesNotTile_isRefused(self):
        def bad(size):
            return torch.nn.Conv2d(3, 4, 5, 5)
        with self.assertRaises(B.BundleError):
            exporter.build_bundle(self._dir("bad"), bad, None, [28], {"name": "bad"}, None, log=lambda *a: None)


if __name__ == "__main__":
    unittest.main()
