"""Tests of the benchmark bundle builder on its tiny variant (depth 1, width 24, 56 px): seconds, not minutes."""

import hashlib
import json
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models/export, when run from elsewhere

from anyup_export import bench_models  # noqa: E402
from anyup_export.bench_models import TINY, BenchModelConfig, ViTS14Encoder, anyup_upsampler  # noqa: E402


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class BuildBundleTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls._tmp.name)
        cls.manifest = bench_models.build_bundle(cls.dir, TINY)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_manifest_follows_the_bundle_contract(self):
        on_disk = json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))
        self.assertEqual(on_disk, self.manifest)
        self.assertEqual(1, on_disk["format_version"])
        enc, up = on_disk["encoder"], on_disk["upsampler"]
        self.assertEqual((14, TINY.dim, True), (enc["patch_size"], enc["channels"], enc["has_cls"]))
        self.assertEqual([{"input_size": 56, "file": "encoder_56.onnx", "sha256": _sha256(self.dir / "encoder_56.onnx")}],
                         enc["profiles"])
        self.assertEqual("onnx", up["kind"])
        self.assertEqual((56, 4, 56), tuple(up["profiles"][0][k] for k in ("input_size", "feature_size", "output_size")))
        self.assertEqual(_sha256(self.dir / up["profiles"][0]["file"]), up["profiles"][0]["sha256"])

    def test_every_referenced_file_exists(self):
        proj = self.manifest["projections"][0]
        ref = self.manifest["references"][0]
        for name in [proj["file"], proj["mean_file"]] + [ref[k] for k in ("image", "patch_features", "cls", "upsampled")]:
            self.assertTrue((self.dir / name).is_file(), name)
        self.assertEqual(_sha256(self.dir / proj["file"]), proj["sha256"])

    def test_graphs_are_valid_opset17_with_dynamic_batch(self):
        for file, inputs, outputs in [("encoder_56.onnx", ["image"], ["patch_features", "cls"]),
                                      ("upsampler_56.onnx", ["image", "features"], ["upsampled"])]:
            model = onnx.load(str(self.dir / file))
            onnx.checker.check_model(model)
            self.assertLessEqual(max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)
            self.assertEqual(inputs, [i.name for i in model.graph.input])
            self.assertEqual(outputs, [o.name for o in model.graph.output])
            for value in list(model.graph.input) + list(model.graph.output):
                self.assertEqual("batch", value.type.tensor_type.shape.dim[0].dim_param, f"{file}:{value.name}")

    def test_reference_tensors_have_contract_shapes(self):
        ref = self.manifest["references"][0]
        shapes = {k: np.load(self.dir / ref[k]).shape for k in ("image", "patch_features", "cls", "upsampled")}
        self.assertEqual({"image": (1, 3, 56, 56), "patch_features": (1, TINY.dim, 4, 4), "cls": (1, TINY.dim),
                          "upsampled": (1, TINY.dim, 56, 56)}, shapes)
        self.assertEqual(np.dtype("<f4"), np.load(self.dir / ref["upsampled"]).dtype)


class ModelBehaviourTest(unittest.TestCase):

    def setUp(self):
        torch.manual_seed(0)
        self.encoder = ViTS14Encoder(TINY).eval()
        self.upsampler = anyup_upsampler(TINY)

    def test_results_do_not_depend_on_batch_composition(self):
        images = torch.randn(3, 3, 56, 56)
        with torch.no_grad():
            feats, cls = self.encoder(images)
            alone_feats, alone_cls = self.encoder(images[1:2])
            up = self.upsampler(images, feats)
            alone_up = self.upsampler(images[1:2], feats[1:2])
        torch.testing.assert_close(alone_feats, feats[1:2], atol=1e-5, rtol=0)
        torch.testing.assert_close(alone_cls, cls[1:2], atol=1e-5, rtol=0)
        torch.testing.assert_close(alone_up, up[1:2], atol=1e-5, rtol=0)

    def test_attention_is_local_far_features_do_not_reach_a_pixel(self):
        image = torch.randn(1, 3, 56, 56)
        with torch.no_grad():
            feats, _ = self.encoder(image)
            changed = feats.clone()
            changed[:, :, 3, 3] += 10.0  # bottom-right feature cell
            before = self.upsampler(image, feats)
            after = self.upsampler(image, changed)
        # the top-left output pixel's window (ratio 0.1 of 4 cells) cannot see the bottom-right cell ...
        torch.testing.assert_close(after[:, :, 0, 0], before[:, :, 0, 0], atol=0, rtol=0)
        # ... but the bottom-right pixel does
        self.assertGreater((after[:, :, 55, 55] - before[:, :, 55, 55]).abs().max().item(), 1e-3)

    def test_upsampled_values_are_convex_combinations_of_input_features(self):
        image = torch.randn(1, 3, 56, 56)
        feats = torch.rand(1, TINY.dim, 4, 4) + 1.0  # all in [1, 2)
        with torch.no_grad():
            up = self.upsampler(image, feats)
        self.assertGreaterEqual(up.min().item(), 1.0 - 1e-6)
        self.assertLess(up.max().item(), 2.0 + 1e-6)


class ConfigTest(unittest.TestCase):

    def test_default_is_vit_s14_at_224(self):
        cfg = BenchModelConfig()
        self.assertEqual((224, 14, 384, 12, 6, 1536, 16), (cfg.input_size, cfg.patch_size, cfg.dim, cfg.depth,
                                                           cfg.heads, cfg.mlp_dim, cfg.grid))

    def test_input_size_not_multiple_of_patch_is_rejected(self):
        with self.assertRaisesRegex(ValueError, "input_size 100 must be a multiple of patch_size 14"):
            BenchModelConfig(input_size=100)

    def test_mac_estimate_of_vit_s14_matches_its_published_size(self):
        # timm lists vit_small_patch14_dinov2 (518 px, 1370 tokens) at 46.8 GMAC
        at_518 = bench_models.estimate_macs(BenchModelConfig(input_size=518))
        self.assertAlmostEqual(46.8e9, at_518["encoder"], delta=0.5e9)
        macs = bench_models.estimate_macs(BenchModelConfig())
        self.assertEqual(sum(macs["upsampler_parts"].values()), macs["upsampler"])


class NullBundleTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls._tmp.name)
        cls.manifest = bench_models.build_null_bundle(cls.dir, size=56, channels=24, pca=4)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_graphs_have_the_contract_signature_and_real_output_shapes(self):
        for file, inputs, outputs in [("encoder_56.onnx", ["image"], ["patch_features", "cls"]),
                                      ("upsampler_56.onnx", ["image", "features"], ["upsampled"])]:
            model = onnx.load(str(self.dir / file))
            onnx.checker.check_model(model, full_check=True)
            self.assertEqual(inputs, [i.name for i in model.graph.input])
            self.assertEqual(outputs, [o.name for o in model.graph.output])
        inferred = onnx.shape_inference.infer_shapes(onnx.load(str(self.dir / "upsampler_56.onnx")), strict_mode=True)
        dims = [d.dim_value or d.dim_param for d in inferred.graph.output[0].type.tensor_type.shape.dim]
        self.assertEqual(["batch", 24, 56, 56], dims)

    def test_projection_is_orthonormal_and_listed_with_its_hash(self):
        proj = self.manifest["projections"][0]
        basis = np.load(self.dir / proj["file"])
        self.assertEqual((4, 24), basis.shape)
        np.testing.assert_allclose(basis @ basis.T, np.eye(4), atol=1e-6)
        self.assertEqual(_sha256(self.dir / proj["file"]), proj["sha256"])
        for section in ("encoder", "upsampler"):
            profile = self.manifest[section]["profiles"][0]
            self.assertEqual(_sha256(self.dir / profile["file"]), profile["sha256"])

    def test_channels_must_repeat_the_three_colour_means(self):
        with self.assertRaisesRegex(ValueError, "multiple of 3"):
            bench_models.build_null_bundle(self.dir / "bad", size=56, channels=25)


if __name__ == "__main__":
    unittest.main()
