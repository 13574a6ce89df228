"""The tool's own AnyUp (published structure), the exact exportable formulation (windowed and dense), the torch shims,
and the export of AnyUp-structured models from local sources, checkpoints and seeds."""

import contextlib
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock

import _paths
import numpy as np
import onnx
import torch

from anyup_export import anyup_arch, anyup_graph, bench_upsampler, compat
from anyup_export.npyio import load_npy, sha256_file
from anyup_export import __main__ as cli
from test_export import run_cli

# Tolerance for "the same computation in another order" on upsampled features of magnitude 1-6 (float32).
EXACT_ATOL = 1e-4


def perturbed_anyup(seed=0):
    """Random AnyUp whose norm parameters are not at their init values either."""
    return bench_upsampler.perturb_norms(anyup_arch.anyup_arch(seed).eval(), seed)


def inputs(size, feature_size, channels, batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 3, size, size, generator=g),
            2 * torch.randn(batch, channels, feature_size, feature_size, generator=g))


class AnyUpArchTest(unittest.TestCase):

    def test_parameterLayout_isThePublishedOne(self):
        sd = anyup_arch.AnyUpArch().state_dict()
        self.assertEqual(sum(v.numel() for v in sd.values()), 878080)
        expected = {
            "image_encoder.0.weight": (128, 3, 1, 1),
            "image_encoder.1.block.0.weight": (128,), "image_encoder.1.block.2.weight": (128, 128, 1, 1),
            "image_encoder.2.block.5.weight": (128, 128, 1, 1),
            "query_encoder.0.weight": (128, 128, 1, 1), "key_encoder.0.weight": (128, 128, 1, 1),
            "key_features_encoder.0.basis": (128, 1, 5, 5),
            "aggregation.0.weight": (128, 256, 3, 3), "aggregation.2.block.3.bias": (128,),
            "cross_decode.conv2d.weight": (128, 128, 3, 3),
            "cross_decode.cross_attn.norm_q.weight": (128,), "cross_decode.cross_attn.norm_k.weight": (128,),
            "cross_decode.cross_attn.attention.in_proj_weight": (384, 128),
            "cross_decode.cross_attn.attention.in_proj_bias": (384,),
            "cross_decode.cross_attn.attention.out_proj.weight": (128, 128),
            "cross_decode.cross_attn.attention.out_proj.bias": (128,),
            "rope.freqs": (2, 128),
        }
        for name, shape in expected.items():
            self.assertEqual(tuple(sd[name].shape), shape, name)
        self.assertEqual(len(sd), 73)  # 5 stacks x (first layer + 2 ResBlocks x 6) + 7 cross-decode + rope

    def test_windowMask_allowsAtMostThePublishedWindow(self):
        # h = 16 -> at most 5x5 allowed cells; h = 32 -> 8x8 (anyup-architecture.md)
        for size, grid, most in ((224, 16, 25), (448, 32, 64)):
            allowed = (~anyup_arch.window_mask(size, size, grid, grid, 0.1)).sum(dim=1)
            self.assertEqual(int(allowed.max()), most)
            self.assertGreater(int(allowed.min()), 0)

    def test_learnedFeatureUnification_keepsTheReferenceLayout(self):
        # The reference views the channel-major [C, basis] responses as [basis, C]; for C > 1 that differs from a
        # per-channel softmax over the basis, so this pins which one is implemented.
        lfu = anyup_arch.LearnedFeatureUnification(4, 3)
        x = torch.randn(1, 3, 5, 5)
        got = lfu(x)
        p = 1
        resp = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (p,) * 4), lfu.basis.repeat(3, 1, 1, 1), groups=3)
        taps = torch.nn.functional.conv2d(torch.nn.functional.pad(torch.ones(1, 1, 5, 5), (p,) * 4), torch.ones(1, 1, 3, 3))
        flat = (resp / taps).reshape(1, 12, 25)
        want = torch.softmax(flat.reshape(1, 4, 3, 25), dim=1).mean(dim=2).reshape(1, 4, 5, 5)
        torch.testing.assert_close(got, want, atol=1e-6, rtol=0)
        per_channel = torch.softmax(flat.reshape(1, 3, 4, 25), dim=2).mean(dim=1).reshape(1, 4, 5, 5)
        self.assertGreater(float((got - per_channel).abs().max()), 1e-3)


class AnyUpProfileGraphTest(unittest.TestCase):

    def assert_exact(self, size, grid, channels, attention):
        m = perturbed_anyup()
        image, feats = inputs(size, grid, channels)
        with torch.no_grad():
            want = m(image, feats)
            got = anyup_graph.AnyUpProfileGraph(m, size, grid, channels, attention=attention).eval()(image, feats)
        self.assertEqual(tuple(got.shape), (2, channels, size, size))
        self.assertLess(float((got - want).abs().max()), EXACT_ATOL, "%s at %d" % (attention, size))
        self.assertGreater(float(want.abs().max()), 1.0)  # values of order 1, so the tolerance means something

    def test_windowed_equalsTheReferenceForward(self):
        for size, grid in ((56, 4), (70, 5), (112, 8)):
            self.assert_exact(size, grid, 24, "windowed")

    def test_windowedWithLfuAsMatMul_equalsTheReferenceForward(self):
        # channels a multiple of the 128 basis responses: the feature unification runs as gather + MatMul + last-axis
        # softmax (issue 24), not as the conv of the smaller tests
        self.assertEqual(anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), 56, 4, 256).c % 128, 0)
        for size, grid, channels in ((56, 4, 256), (70, 5, 384)):
            self.assert_exact(size, grid, channels, "windowed")

    def test_lfuAsMatMul_equalsTheConvFormulation(self):
        m = perturbed_anyup()
        _, feats = inputs(70, 5, 384)
        g = anyup_graph.AnyUpProfileGraph(m, 70, 5, 384).eval()
        with torch.no_grad():
            by_matmul = g._unify(feats)
            # the conv formulation written out, as the graph runs it for other channel counts
            k = int(g.lfu.basis.shape[-1])
            x = torch.nn.functional.normalize(feats, dim=1).reshape(-1, 1, 5, 5)
            r = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (k // 2,) * 4), g.lfu.basis) / g.lfu_taps
            r = r.reshape(-1, g.lfu_out, 384, 5, 5)
            by_conv = torch.softmax(r, dim=1).mean(dim=2)
        torch.testing.assert_close(by_matmul, by_conv, atol=1e-6, rtol=0)

    def test_dense_equalsTheReferenceForward(self):
        for size, grid in ((56, 4), (70, 5)):
            self.assert_exact(size, grid, 24, "dense")

    def test_windowedInBands_equalsTheReferenceForward(self):
        # the 896 profile runs the windowed attention in bands of tile rows to bound memory; force that path at small
        # sizes: bands of one tile row (4 and 5 of them), then bands of two rows with a shorter last one (2, 2, 1), and
        # one band holding everything
        def bands(piece, band):
            return mock.patch.multiple(anyup_graph, _PIECE_ELEMENTS=piece, _BAND_ELEMENTS=band)

        with bands(1000, 1000):
            for size, grid in ((56, 4), (70, 5)):
                self.assertEqual(anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), size, grid, 24)._band_rows(), 1)
                self.assert_exact(size, grid, 24, "windowed")
        g = anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), 70, 5, 24)
        per_row = g.cols.tiles * g.rows.span * g.cols.span * g.heads * g.rows.length * g.cols.length
        for band, rows in ((2 * per_row, 2), (10 * per_row, 5)):
            with bands(1000, band):
                self.assertEqual(g._band_rows(), rows)
                self.assert_exact(70, 5, 24, "windowed")

    def test_ropeOnRowAndColumnTables_equalsTheReferenceForward(self):
        # above _ROPE_TABLE_ELEMENTS (the 896 profile) RoPE runs on products of per-row and per-column tables; force
        # that path at a small size
        with mock.patch.object(anyup_graph, "_ROPE_TABLE_ELEMENTS", 0):
            self.assert_exact(56, 4, 24, "windowed")

    def test_ropeTablesUpTo448_only(self):
        self.assertGreaterEqual(anyup_graph._ROPE_TABLE_ELEMENTS, 128 * 448 * 448)
        self.assertLess(anyup_graph._ROPE_TABLE_ELEMENTS, 128 * 896 * 896)

    def test_exportedGraph_storesNoFullResolutionTable(self):
        # RoPE's cos/sin tables and the window bias are built by ONNX Runtime when the session is created; the file
        # holds only their per-row and per-column parts (torch's exporter would fold them into stored constants)
        from anyup_export import bundle as B
        tmp = tempfile.mkdtemp(prefix="anyup-tables-")
        try:
            path = os.path.join(tmp, "up.onnx")
            g = anyup_graph.AnyUpProfileGraph(perturbed_anyup(), 56, 4, 24).eval()
            B.export_upsampler(g, 56, 24, 4, path, output_dims=[24, 56, 56])
            model = onnx.load(path)
            sizes = [int(np.prod(t.dims)) for t in model.graph.initializer]
            sizes += [int(np.prod(a.t.dims)) for n in model.graph.node if n.op_type == "Constant"
                      for a in n.attribute if a.name == "value"]
            self.assertLess(max(sizes), 128 * 56 * 56)  # one table: 401k; the largest weight (aggregation): 295k
            ops = {n.op_type for n in model.graph.node}
            self.assertTrue({"Cos", "Sin", "Floor", "BatchNormalization"} <= ops, ops)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_keyEncoderLastConvAfterPooling_equalsPoolingAfterwards(self):
        m = perturbed_anyup()
        x = torch.randn(2, 128, 56, 56, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            want = torch.nn.functional.adaptive_avg_pool2d(m.key_encoder(x), (4, 4))
            got = anyup_graph._run_then_pool(m.key_encoder, x, 4, 4)
        torch.testing.assert_close(got, want, atol=1e-5, rtol=0)

    def test_bands_onlyAbove448_andSizedByLogitsOrFeatures(self):
        for channels in (384, 1536):
            for size in (224, 448):
                g = anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), size, size // 14, channels)
                self.assertIsNone(g._band_rows(), "%d channels at %d" % (channels, size))
        # 896: 64 tile rows; a row's logits are 4 heads x 64 tiles x 196 x 225 = 11.3M floats -> 11 rows per band
        self.assertEqual(anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), 896, 64, 384)._band_rows(), 11)
        # tiles of 2x2 queries and 24 channels: the gathered features (24 per key) outweigh the logits (4 heads x 4)
        g = anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), 8, 4, 24)
        per_row = g.cols.tiles * g.rows.span * g.cols.span * 24
        self.assertGreater(24, g.heads * g.rows.length * g.cols.length)
        with mock.patch.multiple(anyup_graph, _PIECE_ELEMENTS=2 * per_row, _BAND_ELEMENTS=2 * per_row):
            self.assertEqual(g._band_rows(), 2)
        with mock.patch.multiple(anyup_graph, _PIECE_ELEMENTS=2 * per_row, _BAND_ELEMENTS=2 * per_row - 1):
            self.assertEqual(g._band_rows(), 1)
        with mock.patch.multiple(anyup_graph, _PIECE_ELEMENTS=4 * per_row):
            self.assertIsNone(g._band_rows())

    def test_tiles_coverEveryQuerysWindowExactly(self):
        for size, grid in ((224, 16), (448, 32), (896, 64), (100, 7)):
            t = anyup_graph._Tiling(size, grid, 0.1)
            start, end = anyup_arch.window_bounds(size, grid, 0.1)
            allowed = torch.isfinite(t.bias).sum(dim=2).reshape(-1)
            self.assertTrue(torch.equal(allowed, end - start), "size %d" % size)
            self.assertEqual(t.tiles * t.length, size)
        self.assertEqual([anyup_graph._Tiling(s, s // 14, 0.1).span for s in (224, 448, 896)], [5, 9, 15])

    def test_unknownAttention_isRefused(self):
        with self.assertRaises(ValueError):
            anyup_graph.AnyUpProfileGraph(anyup_arch.AnyUpArch(), 56, 4, 8, attention="sparse")

    def test_windowedMacs_areAFractionOfDenseAt448(self):
        w = anyup_graph.macs(448, 32, 384, "windowed")
        d = anyup_graph.macs(448, 32, 384, "dense")
        self.assertLess(w["attention x features"] * 10, d["attention x features"])
        self.assertAlmostEqual(d["attention x features"] / 1e9, 79, delta=1)  # anyup-architecture.md's figure


class CompatTest(unittest.TestCase):

    def test_rmsNorm_followsTorchSemantics(self):
        norm = compat.RMSNorm(6)
        with torch.no_grad():
            norm.weight.copy_(torch.arange(1.0, 7.0))
        x = torch.randn(3, 6)
        want = x / torch.sqrt((x * x).mean(-1, keepdim=True) + torch.finfo(torch.float32).eps) * norm.weight
        torch.testing.assert_close(norm(x), want, atol=1e-6, rtol=1e-6)

    def test_scaledDotProductAttention_isSoftmaxAttention(self):
        q, k, v = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 7, 4), torch.randn(2, 3, 7, 6)
        want = torch.softmax(q @ k.transpose(-1, -2) / 2.0, -1) @ v
        torch.testing.assert_close(compat.scaled_dot_product_attention(q, k, v), want, atol=1e-6, rtol=1e-6)
        with self.assertRaises(ValueError):
            compat.scaled_dot_product_attention(q, k, v, dropout_p=0.1)

    def test_install_addsOnlyWhatIsMissing(self):
        compat.install()
        self.assertTrue(hasattr(torch.nn, "RMSNorm"))
        self.assertTrue(hasattr(torch.nn.functional, "scaled_dot_product_attention"))
        self.assertEqual(compat.install(), [])


HUBCONF = textwrap.dedent('''
    dependencies = ["torch"]
    import fake_models
    from anyup_export.anyup_arch import AnyUpArch


    def dinov2_vits14(pretrained=True, **kwargs):
        assert not pretrained, "the export tool must not ask for a download"
        return fake_models.FakeDinoV2(**kwargs)


    def anyup(pretrained=True, **kwargs):
        assert not pretrained, "the export tool must not ask for a download"
        return AnyUpArch()
''')


class LocalSourceExportTest(unittest.TestCase):
    """Export as a user without network does: local source folders, checkpoint files or one seed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="anyup-local-")
        cls.repo = os.path.join(cls.tmp, "repo")
        os.makedirs(cls.repo)
        with open(os.path.join(cls.repo, "hubconf.py"), "w") as f:
            f.write(HUBCONF)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def export(self, name, *extra):
        out = os.path.join(self.tmp, name)
        rc, log = run_cli("export", out, "--encoder", "dinov2_vits14", "--encoder-source", self.repo,
                          "--upsampler", "anyup", "--upsampler-source", self.repo, "--sizes", "42,56", *extra)
        return rc, out, log

    def test_seededExport_fromLocalSources_sameWeightsInEveryProfile(self):
        rc, out, _ = self.export("seeded", "--seed", "7")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        for part in ("encoder", "upsampler"):
            prov = m[part]["provenance"]
            self.assertIn("torch.hub local " + os.path.abspath(self.repo), prov["source"])
            self.assertEqual(prov["weights"], "random, seed 7")
        self.assertEqual(m["upsampler"]["attention"], "windowed")
        self.assertIn("random weights", m["upsampler"]["licence"])
        exact = {e["input_size"]: e for e in m["upsampler"]["exactness"]}
        self.assertEqual(sorted(exact), [42, 56])
        for e in exact.values():
            self.assertLess(e["max_abs_diff"], EXACT_ATOL)
        bases = [_initializers_of_shape(os.path.join(out, "upsampler_%d.onnx" % s), (128, 1, 5, 5)) for s in (42, 56)]
        self.assertEqual(len(bases[0]), 1)
        np.testing.assert_array_equal(bases[0][0], bases[1][0])
        # the upsampler graph: a few hundred nodes, no loops, no pads for the 1x1 convs
        graph = onnx.load(os.path.join(out, "upsampler_56.onnx")).graph
        ops = [n.op_type for n in graph.node]
        self.assertLess(len(ops), 1500)
        self.assertFalse({"Loop", "If", "Scan"} & set(ops))
        self.assertLessEqual(ops.count("Pad"), 2)  # the feature-unification zero pad and the 3x3 reflect pad
        # the reference tensors are the model's own forward
        r = {r["input_size"]: r for r in m["references"]}[56]
        ref = anyup_arch.AnyUpArch()
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(7)
            ref = anyup_arch.AnyUpArch().eval()
            want = ref(torch.from_numpy(load_npy(os.path.join(out, r["image"]))),
                       torch.from_numpy(load_npy(os.path.join(out, r["patch_features"]))))
        np.testing.assert_allclose(load_npy(os.path.join(out, r["upsampled"])), want.numpy(), atol=1e-6)

    def test_checkpointExport_recordsFileAndSha256(self):
        ckpt = os.path.join(self.tmp, "anyup_test.pth")
        torch.save(perturbed_anyup(3).state_dict(), ckpt)
        out = os.path.join(self.tmp, "ckpt")
        rc, _ = run_cli("export", out, "--encoder", "fake_models:fake_dinov2", "--upsampler", "anyup-builtin",
                        "--upsampler-checkpoint", ckpt, "--sizes", "42")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual(m["upsampler"]["provenance"]["weights"], {"file": "anyup_test.pth", "sha256": sha256_file(ckpt)})
        self.assertEqual(m["upsampler"]["licence"], "CC-BY-4.0")
        self.assertLess(m["upsampler"]["exactness"][0]["max_abs_diff"], EXACT_ATOL)

    def test_checkpointThatDoesNotFit_failsBeforeAnyEncoderIsTracedNamingTheKeys(self):
        ckpt = os.path.join(self.tmp, "wrong.pth")
        torch.save({"not_a_layer": torch.zeros(1), "head.weight": torch.zeros(2)}, ckpt)
        parent = os.path.join(self.tmp, "clean")
        os.makedirs(parent)
        err = io.StringIO()
        with mock.patch("anyup_export.bundle.export_encoder") as traced, \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            rc = cli.main(["export", os.path.join(parent, "b"), "--encoder", "fake_models:fake_dinov2",
                           "--upsampler", "anyup-builtin", "--upsampler-checkpoint", ckpt, "--sizes", "42"])
        self.assertEqual(rc, 2)
        self.assertEqual(os.listdir(parent), [])
        self.assertFalse(traced.called, "the upsampler checkpoint is fitted before the encoder is traced")
        text = err.getvalue()
        self.assertIn("2 unexpected key(s): head.weight, not_a_layer", text)
        missing = sorted(anyup_arch.AnyUpArch().state_dict())
        self.assertIn("%d missing key(s): %s" % (len(missing), ", ".join(missing[:5])), text)
        self.assertIn("(%d more)" % (len(missing) - 5), text)

    def test_bundleFolderIsReadableByOtherUsers(self):
        old = os.umask(0o022)
        try:
            rc, out, _ = self.export("mode", "--seed", "1", "--sizes", "42")
        finally:
            os.umask(old)
        self.assertEqual(rc, 0)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o755, "not mkdtemp's 0700")

    def test_sigterm_removesThePartialFolderLikeCtrlC(self):
        parent = os.path.join(self.tmp, "term")
        os.makedirs(parent)
        marker = os.path.join(self.tmp, "term-started")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([_paths.EXPORT_DIR, _paths.HERE]))
        proc = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "anyup_export", "export",
                                 os.path.join(parent, "b"), "--encoder", "fake_models:sleepy_encoder",
                                 "--encoder-kwargs", json.dumps({"marker": marker}), "--sizes", "28"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while not os.path.exists(marker):
                self.assertIsNone(proc.poll(), "export ended before its encoder ran")
                self.assertLess(time.monotonic(), deadline, "the encoder never started")
                time.sleep(0.1)
            self.assertEqual(len(os.listdir(parent)), 1, "the partial folder exists while exporting")
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
        self.assertEqual(rc, 128 + signal.SIGTERM)
        self.assertEqual(os.listdir(parent), [], "SIGTERM leaves nothing behind")

    def test_failureAfterTheFirstGraph_leavesNothingBehind(self):
        parent = os.path.join(self.tmp, "half")
        os.makedirs(parent)
        with mock.patch("anyup_export.bundle.export_upsampler", side_effect=RuntimeError("simulated failure")):
            with self.assertRaises(RuntimeError):
                run_cli("export", os.path.join(parent, "b"), "--encoder", "fake_models:fake_dinov2",
                        "--upsampler", "anyup-builtin", "--seed", "1", "--sizes", "42")
        self.assertEqual(os.listdir(parent), [])

    def test_localSourceWithoutWeights_isRefused(self):
        rc, out, _ = self.export("noweights")
        self.assertEqual(rc, 2)
        self.assertFalse(os.path.exists(out))

    def test_existingBundle_isNotOverwrittenUnlessAsked(self):
        rc, out, _ = self.export("twice", "--seed", "1", "--sizes", "42")
        self.assertEqual(rc, 0)
        rc, _, _ = self.export("twice", "--seed", "1", "--sizes", "42")
        self.assertEqual(rc, 2)
        rc, _, _ = self.export("twice", "--seed", "2", "--sizes", "42", "--overwrite")
        self.assertEqual(rc, 0)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual(m["encoder"]["provenance"]["weights"], "random, seed 2")


def _initializers_of_shape(path, shape):
    from onnx import numpy_helper
    arrays = [numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer]
    for node in onnx.load(path).graph.node:
        if node.op_type == "Constant":
            arrays += [numpy_helper.to_array(a.t) for a in node.attribute if a.name == "value"]
    return [a for a in arrays if tuple(a.shape) == shape]


ORT_JAR = os.path.expanduser("~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.21.1/onnxruntime-1.21.1.jar")


@unittest.skipUnless(shutil.which("java") and os.path.isfile(ORT_JAR),
                     "needs java and ~/.m2 onnxruntime-1.21.1.jar (ONNX Runtime numerics)")
class AnyUpOnOnnxRuntimeTest(unittest.TestCase):

    def test_windowedAnyUpGraph_onOnnxRuntime_matchesTheReferenceForward(self):
        from test_default_bundle import assert_ort_matches
        tmp = tempfile.mkdtemp(prefix="anyup-ort-arch-")
        try:
            out = os.path.join(tmp, "b")
            rc, _ = run_cli("export", out, "--encoder", "fake_models:fake_dinov2", "--upsampler", "anyup-builtin",
                            "--seed", "5", "--sizes", "56")
            self.assertEqual(rc, 0)
            # ORT's GroupNorm (InstanceNormalization) differs from torch's by ~1e-5 relative
            assert_ort_matches(self, out, 56, 1e-3)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
