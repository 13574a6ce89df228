"""The committed default bundle: manifest/hash/graph checks, torch stand-ins reproduce its references, the build is
deterministic, verify catches tampering; optional ONNX Runtime numerics through the Java ORT jar when available."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import _paths  # noqa: F401  (sys.path)
import numpy as np
import torch

from anyup_export import bundle as B
from anyup_export import standin
from anyup_export.defaultbundle import build_default_bundle
from anyup_export.npyio import load_npy

BUNDLE = _paths.DEFAULT_BUNDLE


def manifest():
    with open(os.path.join(BUNDLE, "manifest.json")) as f:
        return json.load(f)


class DefaultBundleTest(unittest.TestCase):

    def test_committedBundle_verifies(self):
        self.assertEqual(B.verify_bundle(BUNDLE), [])

    def test_committedBundle_isUnder10MiB(self):
        _, total = B.bundle_size(BUNDLE)
        self.assertLess(total, 10 * 1024 * 1024)

    def test_manifest_followsTheContract(self):
        m = manifest()
        self.assertEqual((m["encoder"]["name"], m["encoder"]["patch_size"], m["encoder"]["channels"]),
                         ("filterbank-p14", 14, 32))
        self.assertEqual([p["input_size"] for p in m["encoder"]["profiles"]], [224, 448])
        self.assertEqual([(p["input_size"], p["feature_size"], p["output_size"]) for p in m["upsampler"]["profiles"]],
                         [(224, 16, 224), (448, 32, 448)])
        self.assertEqual(m["projections"][0]["id"], "pca8")
        self.assertEqual(m["preprocess"]["interpolation"], "bilinear-antialias")
        listed = {f["path"] for f in m["files"]}
        on_disk = {os.path.relpath(p, BUNDLE).replace(os.sep, "/")
                   for p in glob.glob(os.path.join(BUNDLE, "**", "*"), recursive=True)
                   if os.path.isfile(p) and not p.endswith("manifest.json")}
        self.assertEqual(listed, on_disk)

    def test_torchStandins_reproduceTheReferences(self):
        m = manifest()
        r = m["references"][0]
        x = torch.from_numpy(load_npy(os.path.join(BUNDLE, r["image"])))
        with torch.no_grad():
            feats, cls = standin.FilterBankEncoder().eval()(x)
            up = standin.AttentionUpsamplerStandin(r["input_size"]).eval()(x, feats)
        for key, got in (("patch_features", feats), ("cls", cls), ("upsampled", up)):
            want = load_npy(os.path.join(BUNDLE, r[key])).astype(np.float32)
            np.testing.assert_allclose(got.numpy(), want, atol=r["atol"], err_msg=key)

    def test_pcaBasis_isOrthonormal(self):
        basis = load_npy(os.path.join(BUNDLE, "pca8.npy"))
        self.assertEqual((basis.shape, basis.dtype.str), ((8, 32), "<f4"))
        np.testing.assert_allclose(basis @ basis.T, np.eye(8), atol=1e-5)
        self.assertEqual(load_npy(os.path.join(BUNDLE, "pca8_mean.npy")).shape, (32,))

    def test_encoderFeatures_followImageContent(self):
        # A left/right two-colour image: the colour channels differ across the edge, gradient energy peaks at it.
        img = torch.zeros(1, 3, 224, 224)
        img[:, 0, :, :112] = 2.0
        img[:, 2, :, 112:] = 2.0
        with torch.no_grad():
            feats, _ = standin.FilterBankEncoder().eval()(img)
        r = feats[0, 0]
        self.assertGreater(float(r[:, :7].mean() - r[:, 9:].mean()), 1.0)
        sobel0 = feats[0, 7]
        self.assertEqual(int(sobel0.mean(0).argmax()), 7, "edge at x=112 lies in patch column 7|8")

    def test_upsampler_isConvexCombinationOfNeighbouringFeatures(self):
        torch.manual_seed(0)
        up = standin.AttentionUpsamplerStandin(56, channels=4).eval()
        feats = torch.randn(2, 4, 4, 4)
        img = torch.randn(2, 3, 56, 56)
        with torch.no_grad():
            out = up(img, feats)
        self.assertEqual(tuple(out.shape), (2, 4, 56, 56))
        self.assertLessEqual(float(out.max()), float(feats.max()) + 1e-5)
        with torch.no_grad():
            one = up(img[:1], feats[:1])
        np.testing.assert_allclose(one.numpy(), out[:1].numpy(), atol=1e-6)
        const = torch.full((1, 4, 4, 4), 0.7)
        with torch.no_grad():
            np.testing.assert_allclose(up(img[:1], const).numpy(), 0.7, atol=1e-5)

    def test_rebuild_isDeterministic(self):
        tmp = tempfile.mkdtemp(prefix="anyup-default-")
        try:
            m2 = build_default_bundle(tmp, log=lambda *a: None)
            m1 = manifest()
            self.assertEqual({f["path"]: f["sha256"] for f in m1["files"] if f["path"].endswith(".npy")},
                             {f["path"]: f["sha256"] for f in m2["files"] if f["path"].endswith(".npy")})
            for a, b in zip(m1["encoder"]["profiles"] + m1["upsampler"]["profiles"],
                            m2["encoder"]["profiles"] + m2["upsampler"]["profiles"]):
                self.assertEqual(a["sha256"], b["sha256"], a["file"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_verify_reportsTamperingAndMissingFiles(self):
        tmp = tempfile.mkdtemp(prefix="anyup-tamper-")
        try:
            dst = os.path.join(tmp, "b")
            shutil.copytree(BUNDLE, dst)
            with open(os.path.join(dst, "pca8_mean.npy"), "r+b") as f:
                f.seek(-1, 2)
                f.write(b"\x01")
            os.remove(os.path.join(dst, "upsampler_448.onnx"))
            problems = B.verify_bundle(dst, check_graphs=False)
            self.assertTrue(any("pca8_mean.npy: sha256 mismatch" in p for p in problems), problems)
            self.assertTrue(any("upsampler_448.onnx" in p and "missing" in p for p in problems), problems)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_exactAdaptivePooling_matchesTorch(self):
        x = torch.randn(2, 3, 23, 17)
        want = torch.nn.functional.adaptive_avg_pool2d(x, (5, 4))
        with B.static_spatial_shapes():
            got = torch.nn.functional.adaptive_avg_pool2d(x, (5, 4))
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)


ORT_JAR = os.path.expanduser("~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.21.1/onnxruntime-1.21.1.jar")


@unittest.skipUnless(shutil.which("java") and os.path.isfile(ORT_JAR),
                     "needs java and ~/.m2 onnxruntime-1.21.1.jar (ONNX Runtime numerics)")
class OnnxRuntimeParityTest(unittest.TestCase):
    """Runs the exported graphs on ONNX Runtime 1.21.1 (the Java runtime) at batch 1 and 3 against the references."""

    def test_defaultBundle224_onOnnxRuntime_matchesReferences(self):
        assert_ort_matches(self, BUNDLE, 224, manifest()["references"][0]["atol"])

    def test_exportedAnyUpStyleBundle_onOnnxRuntime_matchesReferences(self):
        # Exercises the per-resolution export of shape-dependent code (adaptive pooling, interpolate sizes).
        from test_export import run_cli
        tmp = tempfile.mkdtemp(prefix="anyup-ort-")
        try:
            rc, _ = run_cli("export", tmp, "--encoder", "fake_models:fake_dinov2", "--upsampler",
                            "fake_models:fake_anyup", "--sizes", "42,70")
            self.assertEqual(rc, 0)
            assert_ort_matches(self, tmp, 70, 1e-4)
            assert_ort_matches(self, tmp, 42, 1e-4)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def assert_ort_matches(test, bundle_dir, size, atol):
    src = os.path.join(_paths.HERE, "ort", "OrtCheck.java")
    out = subprocess.run(["java", "-cp", ORT_JAR, src, bundle_dir, str(size)], capture_output=True, text=True,
                         timeout=180)
    test.assertEqual(out.returncode, 0, out.stderr[-2000:])
    lines = [l for l in out.stdout.splitlines() if l.startswith("batch")]
    test.assertEqual(len(lines), 2, out.stdout)
    for line in lines:
        diffs = [float(t) for t in line.split(";")[0].replace(",", " ").split() if _is_float(t)]
        test.assertTrue(diffs and max(diffs) < atol, line)


def _is_float(t):
    try:
        float(t)
        return "." in t or "e" in t
    except ValueError:
        return False


if __name__ == "__main__":
    unittest.main()
