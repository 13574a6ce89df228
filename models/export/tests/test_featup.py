"""FeatUp's JBU stack: the published parameter layout, the exportable formulation against upstream's maths, and the
export from the tool's own stack, a published-layout checkpoint (loaded strictly) or a seed.

Set FEATUP_SOURCE to a clone of mhamilton723/FeatUp to also compare against its own modules (README.md)."""

import os
import shutil
import tempfile
import unittest

import _paths  # noqa: F401
import torch
import torch.nn.functional as F

from anyup_export import featup_graph as G
from anyup_export import sources
from anyup_export.npyio import load_npy, sha256_file
from test_export import run_cli

# The same computation in another order, float32, on features of magnitude up to ~10.
EXACT_ATOL = 1e-4

# Upstream's JBUStack(384) parameter tree (featup/upsamplers.py at 6b5a6c0e), as the published
# `*_jbu_stack_cocostuff.ckpt` (a Lightning checkpoint of featup/train_jbu_upsampler.py's JBUFeatUp) stores it under
# `upsampler.`, with the ChannelNorm of `model = Sequential(featurizer, ChannelNorm(dim))` under `model.1.norm.`.
STEP = {"range_temp": (), "sigma_spatial": (), "range_proj.0.weight": (32, 3, 1, 1), "range_proj.0.bias": (32,),
        "range_proj.3.weight": (32, 32, 1, 1), "range_proj.3.bias": (32,), "fixup_proj.0.weight": (49, 52, 1, 1),
        "fixup_proj.0.bias": (49,), "fixup_proj.3.weight": (49, 49, 1, 1), "fixup_proj.3.bias": (49,)}
PUBLISHED_384 = dict({"upsampler.up%d.%s" % (i, k): v for i in range(1, 5) for k, v in STEP.items()},
                     **{"upsampler.fixup_proj.1.weight": (384, 384, 1, 1), "upsampler.fixup_proj.1.bias": (384,),
                        "model.1.norm.weight": (384,), "model.1.norm.bias": (384,)})


def perturbed(channels, seed=0, use_norm=True):
    """A seeded stack with every parameter moved off its initial value (temperatures, sigmas, the norm too)."""
    torch.manual_seed(seed)
    m = G.FeatUpJBU(channels, use_norm).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return m


def inputs(size, feature_size, channels, batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 3, size, size, generator=g),
            2 * torch.randn(batch, channels, feature_size, feature_size, generator=g))


def lightning_checkpoint(path, model, extra=None):
    """A checkpoint with the published layout: Lightning's wrapper, a frozen backbone and training-only modules."""
    state = dict(model.published_state_dict())
    state.update({"model.0.model.patch_embed.proj.weight": torch.zeros(4, 3, 14, 14),
                  "downsampler.w": torch.zeros(1, 1, 7, 7), "scale_net.net.weight": torch.zeros(1, 4, 1, 1)})
    state.update(extra or {})
    torch.save({"epoch": 0, "global_step": 2000, "pytorch-lightning_version": "1.9.0", "state_dict": state}, path)


class PublishedLayoutTest(unittest.TestCase):

    def test_parameterLayout_isThePublishedOne(self):
        sd = G.FeatUpJBU(384).published_state_dict()
        self.assertEqual({k: tuple(v.shape) for k, v in sd.items()}, PUBLISHED_384)
        self.assertEqual(sum(v.numel() for v in sd.values()), 173540)

    def test_checkpoint_loadsStrictly_andOnlyTheStackAndNorm(self):
        src = perturbed(6)
        state = dict(src.published_state_dict(), **{"downsampler.w": torch.zeros(3), "model.0.x": torch.zeros(2)})
        dst = G.FeatUpJBU(6)
        G.load_published(dst, state)
        for k, v in src.published_state_dict().items():
            self.assertTrue(torch.equal(dst.published_state_dict()[k], v), k)

    def test_checkpointMissingAKey_isRefusedNamingIt(self):
        state = G.FeatUpJBU(6).published_state_dict()
        del state["upsampler.up3.range_temp"]
        with self.assertRaisesRegex(G.CheckpointError, r"1 missing key\(s\): upsampler\.up3\.range_temp"):
            G.load_published(G.FeatUpJBU(6), state)

    def test_checkpointWithAnUnexpectedStackKey_isRefusedNamingIt(self):
        state = dict(G.FeatUpJBU(6).published_state_dict(), **{"upsampler.up5.range_temp": torch.zeros(())})
        with self.assertRaisesRegex(G.CheckpointError, r"unexpected key\(s\): upsampler\.up5\.range_temp"):
            G.load_published(G.FeatUpJBU(6), state)

    def test_checkpointForOtherChannels_isRefusedNamingBoth(self):
        with self.assertRaisesRegex(G.CheckpointError, r"for 384 feature channels.*encoder gives 6"):
            G.load_published(G.FeatUpJBU(6), G.FeatUpJBU(384).published_state_dict())

    def test_checkpointWithAWrongShape_isRefusedNamingIt(self):
        state = G.FeatUpJBU(6).published_state_dict()
        state["upsampler.up1.range_proj.0.weight"] = torch.zeros(16, 3, 1, 1)
        with self.assertRaisesRegex(G.CheckpointError, r"upsampler\.up1\.range_proj\.0\.weight \(16, 3, 1, 1\), "
                                                       r"expected \(32, 3, 1, 1\)"):
            G.load_published(G.FeatUpJBU(6), state)

    def test_anotherModelsCheckpoint_isRefused(self):
        with self.assertRaisesRegex(G.CheckpointError, "no FeatUp JBU stack"):
            G.checkpoint_state({"image_encoder.0.weight": torch.zeros(1)})


class FeatUpProfileGraphTest(unittest.TestCase):

    def assert_exact(self, size, grid, channels, output_size=None, use_norm=True):
        m = perturbed(channels, use_norm=use_norm)
        img, feats = inputs(size, grid, channels)
        graph = G.FeatUpProfileGraph(m, size, grid, channels, output_size).eval()
        with torch.no_grad():
            out = graph(img, feats)
            ref = G.reference_forward(m, img, feats, None if output_size == 0 else graph.o)
        self.assertEqual(tuple(out.shape), tuple(ref.shape))
        self.assertLess(float((out - ref).abs().max()), EXACT_ATOL)
        self.assertGreater(float(ref.abs().max()), 0.5)  # not a vacuous comparison

    def test_equalsTheReferenceForward_atTheInputSize(self):
        self.assert_exact(56, 4, 6)  # 64 -> 56, tiles of 8
        self.assert_exact(42, 3, 5)  # 48 -> 42, tiles of 6 / 3 at the first step

    def test_equalsTheReferenceForward_atItsOwnSize_withoutNorm(self):
        self.assert_exact(28, 2, 4, output_size=0, use_norm=False)

    def test_band_placesEachPixelsKernelAtItsNeighbours(self):
        for t in (1, 3, 8):
            k = torch.randn(2, t, t, 7, 7)
            band = G._band(k, t).reshape(2, t, t, t + 6, t + 6)
            expected = torch.zeros_like(band)
            for a in range(t):
                for b in range(t):
                    expected[:, a, b, a:a + 7, b:b + 7] = k[:, a, b]
            self.assertTrue(torch.equal(band, expected))
            self.assertTrue(torch.equal(G._unband(G._band(k, t), t), k.reshape(2, t * t, 49)))

    def test_bicubic2x_isTorchsBicubic(self):
        m = G.FeatUpJBU(3)
        graph = G.FeatUpProfileGraph(m, 28, 2, 3)
        x = torch.randn(2, 3, 5, 5)
        ref = F.interpolate(x, (10, 10), mode="bicubic", align_corners=False)
        self.assertLess(float((graph._bicubic2x(x) - ref).abs().max()), 1e-6)

    def test_adaptiveConv_isTheExtensionsSum(self):
        # the C++ extension's loop, written out: out[b,c,y,x] = sum_ij k[b,y,x,i,j] * in[b,c,y+i,x+j]
        padded, kernels = torch.randn(1, 2, 9, 10), torch.randn(1, 3, 4, 7, 7)
        out = G.adaptive_conv(padded, kernels)
        for c, y, x in ((0, 0, 0), (1, 2, 3), (0, 1, 2)):
            expected = sum(float(kernels[0, y, x, i, j]) * float(padded[0, c, y + i, x + j])
                           for i in range(7) for j in range(7))
            self.assertAlmostEqual(float(out[0, c, y, x]), expected, places=4)

    def test_macs_areDominatedByTheFullResolutionConvAndTheAdaptiveConv(self):
        stages = G.macs(224, 16, 384)
        self.assertEqual(stages["final fix-up conv (C x C)"], 256 * 256 * 384 * 384)
        self.assertEqual(stages["adaptive convolution (49 taps x C)"], 49 * 384 * (32 ** 2 + 64 ** 2 + 128 ** 2 + 256 ** 2))


class FeatUpExportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="featup-export-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def export(self, name, *extra):
        out = os.path.join(self.tmp, name)
        rc, _ = run_cli("export", out, "--encoder", "fake_models:tiny_conv_encoder", "--upsampler", "featup-jbu",
                        "--sizes", "28", *extra)
        return rc, out

    def test_publishedLayoutCheckpoint_loadsStrictly_intoTheExportedGraph(self):
        src = perturbed(8, seed=4)
        ckpt = os.path.join(self.tmp, "dinov2_jbu_stack_cocostuff.ckpt")
        lightning_checkpoint(ckpt, src)
        rc, out = self.export("ckpt", "--upsampler-checkpoint", ckpt, "--seed", "1")
        self.assertEqual(rc, 0)
        import json
        with open(os.path.join(out, "manifest.json")) as f:
            up = json.load(f)["upsampler"]
        self.assertEqual(up["name"], "featup-jbu")
        self.assertEqual(up["provenance"]["weights"], {"file": os.path.basename(ckpt), "sha256": sha256_file(ckpt)})
        self.assertTrue(up["channel_norm"])
        self.assertLess(up["exactness"][0]["max_abs_diff"], EXACT_ATOL)
        # the reference tensors are the checkpoint's model: recompute them from the source module
        img = torch.from_numpy(load_npy(os.path.join(out, "ref", "ref_28_image.npy")))
        feats = torch.from_numpy(load_npy(os.path.join(out, "ref", "ref_28_patch_features.npy")))
        with torch.no_grad():
            ref = G.reference_forward(src, img, feats, 28)
        got = torch.from_numpy(load_npy(os.path.join(out, "ref", "ref_28_upsampled.npy")))
        self.assertLess(float((got - ref).abs().max()), 1e-6)

    def test_checkpointThatDoesNotFit_isRefusedBeforeAnyGraph(self):
        ckpt = os.path.join(self.tmp, "other_channels.ckpt")
        lightning_checkpoint(ckpt, G.FeatUpJBU(12))  # the encoder gives 8 channels
        rc, out = self.export("bad", "--upsampler-checkpoint", ckpt)
        self.assertEqual(rc, 2)
        self.assertFalse(os.path.exists(out))

    def test_withoutWeights_isRefused(self):
        rc, out = self.export("noweights")
        self.assertEqual(rc, 2)
        self.assertFalse(os.path.exists(out))

    def test_seededSource_isTheToolsOwnStack_namedInTheProvenance(self):
        src = sources.resolve("upsampler", "featup-jbu", {}, seed=3, log=lambda *_: None)
        a = src.get(input_size=28, channels=8, feature_size=2)
        b = src.get(input_size=56, channels=8, feature_size=4)
        self.assertIn("anyup_export.featup_graph", src.provenance["source"])
        self.assertEqual(src.provenance["weights"], "random, seed 3")
        for k, v in a.state_dict().items():  # every profile gets the same weights
            self.assertTrue(torch.equal(v, b.state_dict()[k]), k)

    def test_unknownKwargs_areRefused(self):
        with self.assertRaisesRegex(sources.SourceError, "only use_norm"):
            sources.resolve("upsampler", "featup-jbu", {"radius": 4}, seed=3, log=lambda *_: None)


@unittest.skipUnless(os.environ.get("FEATUP_SOURCE"), "set FEATUP_SOURCE to a clone of mhamilton723/FeatUp")
class UpstreamFeatUpTest(unittest.TestCase):
    """Against upstream's own modules: the parameter tree, and its forward (its compiled adaptive convolution where
    ``adaptive_conv_cpp_impl`` is importable, else :func:`featup_graph.adaptive_conv` in its place)."""

    def test_upstreamStack_hasThePublishedLayout_andTheGraphEqualsItsForward(self):
        import sys
        stack_class = sources.featup_upstream_stack(os.environ["FEATUP_SOURCE"])
        self.assertEqual({k: tuple(v.shape) for k, v in G.FeatUpJBU(384, stack=stack_class(384))
                          .published_state_dict().items()}, PUBLISHED_384)
        torch.manual_seed(0)
        m = G.FeatUpJBU(4, stack=stack_class(4)).eval()
        with torch.no_grad():
            for p in m.parameters():
                p.add_(0.3 * torch.randn_like(p))
        img, feats = inputs(28, 2, 4, batch=1)
        conv = sys.modules["featup.adaptive_conv_cuda.adaptive_conv"].AdaptiveConv
        compiled = getattr(sys.modules["adaptive_conv_cpp_impl"], "__file__", None)  # the stand-in has none
        with torch.no_grad():
            normed = m.norm(feats.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            if compiled:
                ref = m.upsampler(normed, img)
            else:
                orig = conv.apply
                conv.apply = staticmethod(G.adaptive_conv)
                try:
                    ref = m.upsampler(normed, img)
                finally:
                    conv.apply = orig
            out = G.FeatUpProfileGraph(m, 28, 2, 4, output_size=0).eval()(img, feats)
        self.assertLess(float((out - ref).abs().max()), EXACT_ATOL)


if __name__ == "__main__":
    unittest.main()
