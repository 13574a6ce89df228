"""Benchmark-only model bundles with random weights: the real model structure, and a null model.

The benchmark (``bench/``) needs model pairs whose *cost* is that of the real models without shipping 100 MB of
weights. This module builds them at benchmark setup time into a scratch directory (never committed):

* ``build_bundle``: DINOv2 ViT-S/14 + AnyUp at 224.
  - encoder: a pre-LN ViT with DINOv2 ViT-S/14's shape -- patch 14, width 384, depth 12, 6 heads, MLP 1536, CLS token,
    learned position embedding for exactly 16x16 patches (no interpolation), LayerScale. Outputs ``patch_features``
    ``[B,384,16,16]`` and ``cls`` ``[B,384]``.
  - upsampler: the real AnyUp structure (the tool's own ``anyup_arch.AnyUpArch``, into which the published
    ``anyup_paper.pth`` loads unchanged) exported exactly as ``anyup_export export`` exports AnyUp: the windowed
    ``anyup_graph.AnyUpProfileGraph``.
* ``build_null_bundle``: graphs that cost next to nothing but have the real output sizes (384 channels, 224 x 224),
  so that the pipeline's own ceiling shows: the encoder average-pools each 14 x 14 patch and repeats the 3 colour
  means over 384 channels; the upsampler repeats every feature cell over its 14 x 14 pixels (nearest neighbour);
  a 16-component PCA projection for the projected-output runs.

Weights are random with a fixed seed: values are meaningless, costs are not. :func:`estimate_macs` gives the analytic
multiply-accumulate count of the real-structure pair.

Run: ``/usr/bin/python3 -m anyup_export.bench_models [--null] [--size 448] OUT_DIR`` from ``models/export``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from .anyup_arch import AnyUpArch
from .anyup_graph import AnyUpProfileGraph, macs as graph_macs
from . import compat  # noqa: F401  (nn.RMSNorm on torch < 2.4)

OPSET = 17
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True)
class BenchModelConfig:
    """Sizes of the benchmark pair. Defaults are ViT-S/14 + AnyUp at 224; tests use a tiny variant."""

    input_size: int = 224
    patch_size: int = 14
    dim: int = 384
    depth: int = 12
    heads: int = 6
    mlp_dim: int = 1536
    qk_dim: int = 128
    up_heads: int = 4
    lfu_kernel: int = 5
    window_ratio: float = 0.1
    pca_channels: int = 8
    seed: int = 20251014

    def __post_init__(self):
        if self.input_size % self.patch_size != 0:
            raise ValueError(f"input_size {self.input_size} must be a multiple of patch_size {self.patch_size}")
        if self.dim % self.heads != 0:
            raise ValueError(f"dim {self.dim} must be divisible by heads {self.heads}")
        if self.qk_dim % self.up_heads != 0 or self.qk_dim % 8 != 0:
            raise ValueError(f"qk_dim {self.qk_dim} must be divisible by up_heads {self.up_heads} and by 8 (GroupNorm)")
        if self.qk_dim % 4 != 0:
            raise ValueError(f"qk_dim {self.qk_dim} must be divisible by 4 (2-D RoPE)")

    @property
    def grid(self) -> int:
        return self.input_size // self.patch_size


TINY = BenchModelConfig(input_size=56, dim=24, depth=1, heads=2, mlp_dim=48, qk_dim=16, up_heads=2,
                        pca_channels=4)


# ----------------------------------------------------------------------------------------------------------- encoder
class _Block(nn.Module):
    """Pre-LN transformer block with LayerScale, as in DINOv2."""

    def __init__(self, dim: int, heads: int, mlp_dim: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ls1 = nn.Parameter(torch.full((dim,), 0.1))
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)
        self.ls2 = nn.Parameter(torch.full((dim,), 0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, d = x.shape[1], x.shape[2]
        hd = d // self.heads
        qkv = self.qkv(self.norm1(x)).reshape(-1, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax((q @ k.transpose(-2, -1)) * (hd ** -0.5), dim=-1)
        y = (attn @ v).transpose(1, 2).reshape(-1, n, d)
        x = x + self.ls1 * self.proj(y)
        return x + self.ls2 * self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViTS14Encoder(nn.Module):
    """ViT with DINOv2 ViT-S/14's shape; position embedding fixed to the profile's grid, so no interpolation."""

    def __init__(self, cfg: BenchModelConfig):
        super().__init__()
        self.grid = cfg.grid
        self.patch = nn.Conv2d(3, cfg.dim, cfg.patch_size, stride=cfg.patch_size)
        self.cls_token = nn.Parameter(torch.randn(1, 1, cfg.dim) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 1 + cfg.grid * cfg.grid, cfg.dim) * 0.02)
        self.blocks = nn.ModuleList(_Block(cfg.dim, cfg.heads, cfg.mlp_dim) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.dim, eps=1e-6)

    def forward(self, image: torch.Tensor):
        x = self.patch(image).flatten(2).transpose(1, 2)  # [B, g*g, D]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        d = x.shape[2]
        patch_features = x[:, 1:, :].transpose(1, 2).reshape(-1, d, self.grid, self.grid)
        return patch_features, x[:, 0, :]


# --------------------------------------------------------------------------------------------------------- upsampler
def anyup_upsampler(cfg: BenchModelConfig) -> nn.Module:
    """The real AnyUp structure (the export tool's own :class:`~anyup_export.anyup_arch.AnyUpArch`, into which the
    published state dict loads unchanged) with random weights, as the exported graph runs it: the exact windowed
    formulation of :class:`~anyup_export.anyup_graph.AnyUpProfileGraph`."""
    torch.manual_seed(cfg.seed + 2)
    arch = AnyUpArch(qk_dim=cfg.qk_dim, heads=cfg.up_heads, window_ratio=cfg.window_ratio, lfu_kernel=cfg.lfu_kernel)
    return AnyUpProfileGraph(arch.eval(), cfg.input_size, cfg.grid, cfg.dim, attention="windowed").eval()


# ------------------------------------------------------------------------------------------------------------- costs
def estimate_macs(cfg: BenchModelConfig, channels: int | None = None) -> dict:
    """Analytic multiply-accumulates per image (convs, linears, attention matmuls; norms/softmax ignored)."""
    c = cfg.dim if channels is None else channels
    n = 1 + cfg.grid ** 2
    per_block = n * cfg.dim * 3 * cfg.dim + 2 * n * n * cfg.dim + n * cfg.dim * cfg.dim + 2 * n * cfg.dim * cfg.mlp_dim
    encoder = cfg.grid ** 2 * 3 * cfg.patch_size ** 2 * cfg.dim + cfg.depth * per_block
    upsampler = graph_macs(cfg.input_size, cfg.grid, c, attention="windowed", qk_dim=cfg.qk_dim, heads=cfg.up_heads,
                           ratio=cfg.window_ratio, lfu=cfg.qk_dim, k=cfg.lfu_kernel)
    return {"encoder": encoder, "upsampler": sum(upsampler.values()), "upsampler_parts": upsampler}


# ------------------------------------------------------------------------------------------------------------ export
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _export(model: nn.Module, args: tuple, path: Path, inputs: list, outputs: list) -> None:
    axes = {name: {0: "batch"} for name in inputs + outputs}
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), opset_version=OPSET, input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, do_constant_folding=True)


def _save_npy(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def _fit_pca(features: torch.Tensor, k: int) -> tuple:
    """PCA basis [k, C] and mean [C] of the per-location feature vectors of ``features`` [B, C, H, W]."""
    x = features.permute(0, 2, 3, 1).reshape(-1, features.shape[1]).double()
    mean = x.mean(dim=0)
    _, _, vh = torch.linalg.svd(x - mean, full_matrices=False)
    return vh[:k].float().numpy(), mean.float().numpy()


def build_bundle(out_dir: Path, cfg: BenchModelConfig = BenchModelConfig(), references: bool = True) -> dict:
    """Writes the bundle (manifest.json + ONNX graphs + PCA basis + optional reference tensors) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    encoder = ViTS14Encoder(cfg).eval()
    upsampler = anyup_upsampler(cfg)
    s, g = cfg.input_size, cfg.grid

    generator = torch.Generator().manual_seed(cfg.seed + 1)
    images = torch.randn(2, 3, s, s, generator=generator)
    with torch.no_grad():
        patch_features, cls = encoder(images)
        upsampled = upsampler(images[:1], patch_features[:1])

    enc_file, up_file = f"encoder_{s}.onnx", f"upsampler_{s}.onnx"
    _export(encoder, (images[:1],), out_dir / enc_file, ["image"], ["patch_features", "cls"])
    _export(upsampler, (images[:1], patch_features[:1]), out_dir / up_file, ["image", "features"], ["upsampled"])

    pca_id = f"pca{cfg.pca_channels}"
    basis, mean = _fit_pca(patch_features, cfg.pca_channels)
    _save_npy(out_dir / f"{pca_id}.npy", basis)
    _save_npy(out_dir / f"{pca_id}_mean.npy", mean)

    macs = estimate_macs(cfg)
    manifest = {
        "format_version": 1,
        "name": "bench-vits14-anyup",
        "version": "0.1.0",
        "description": (f"benchmark pair, random weights (seed {cfg.seed}): ViT-S/14-shaped encoder "
                        f"(dim {cfg.dim}, depth {cfg.depth}, {cfg.heads} heads, MLP {cfg.mlp_dim}) + the real AnyUp "
                        f"structure, exact windowed graph (qk {cfg.qk_dim}, {cfg.up_heads} heads, window "
                        f"{cfg.window_ratio}); ~{macs['encoder'] / 1e9:.2f} + {macs['upsampler'] / 1e9:.2f} GMAC "
                        f"per image"),
        "preprocess": {"mean": list(MEAN), "std": list(STD), "interpolation": "bilinear-antialias"},
        "encoder": {
            "name": "vit-s14-shaped-random", "version": "1.0.0", "licence": "Apache-2.0",
            "patch_size": cfg.patch_size, "channels": cfg.dim, "has_cls": True,
            "inputs": {"image": "image"}, "outputs": {"patch_features": "patch_features", "cls": "cls"},
            "profiles": [{"input_size": s, "file": enc_file, "sha256": _sha256(out_dir / enc_file)}],
        },
        "upsampler": {
            "name": "anyup-structure-random", "version": "1.0.0", "licence": "CC-BY-4.0 (architecture); random weights",
            "kind": "onnx",
            "inputs": {"image": "image", "features": "features"}, "outputs": {"upsampled": "upsampled"},
            "profiles": [{"input_size": s, "feature_size": g, "output_size": s, "file": up_file,
                          "sha256": _sha256(out_dir / up_file)}],
        },
        "projections": [{"id": pca_id, "in_channels": cfg.dim, "out_channels": cfg.pca_channels,
                         "file": f"{pca_id}.npy", "mean_file": f"{pca_id}_mean.npy",
                         "sha256": _sha256(out_dir / f"{pca_id}.npy")}],
        "references": [],
    }
    if references:
        prefix = f"ref/ref_{s}_"
        tensors = {"image": images[:1], "patch_features": patch_features[:1], "cls": cls[:1], "upsampled": upsampled}
        for key, tensor in tensors.items():
            _save_npy(out_dir / f"{prefix}{key}.npy", tensor.numpy())
        # One atol covers all four tensors: the exported AnyUp graph agrees with ONNX Runtime to ~2e-4 (BENCHMARKS.md)
        manifest["references"].append({"input_size": s, **{k: f"{prefix}{k}.npy" for k in tensors}, "atol": 1e-3})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


NULL_CHANNELS = 384
NULL_PCA = 16


def _null_graphs(size: int, patch: int, channels: int):
    """(encoder, upsampler) ONNX models that do almost no arithmetic but emit the real tensor shapes."""
    from onnx import TensorProto, helper

    if channels % 3 != 0:
        raise ValueError(f"channels {channels} must be a multiple of 3 (the colour means are repeated)")
    g = size // patch
    f32 = TensorProto.FLOAT

    def const(name, values):
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(name, TensorProto.INT64,
                                                                                 [len(values)], values))

    encoder = helper.make_graph(
        [helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[patch, patch], strides=[patch, patch]),
         const("repeats", [1, channels // 3, 1, 1]),
         helper.make_node("Tile", ["pooled", "repeats"], ["patch_features"]),
         helper.make_node("ReduceMean", ["patch_features"], ["cls"], axes=[2, 3], keepdims=0)],
        "null_encoder",
        [helper.make_tensor_value_info("image", f32, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("patch_features", f32, ["batch", channels, g, g]),
         helper.make_tensor_value_info("cls", f32, ["batch", channels])])
    upsampler = helper.make_graph(
        [const("cells", [0, 0, g, 1, g, 1]),
         helper.make_node("Reshape", ["features", "cells"], ["cells6"]),
         const("repeat", [1, 1, 1, patch, 1, patch]),
         helper.make_node("Expand", ["cells6", "repeat"], ["pixels6"]),
         const("full", [0, 0, size, size]),
         helper.make_node("Reshape", ["pixels6", "full"], ["upsampled"])],
        "null_upsampler",
        [helper.make_tensor_value_info("image", f32, ["batch", 3, size, size]),
         helper.make_tensor_value_info("features", f32, ["batch", channels, g, g])],
        [helper.make_tensor_value_info("upsampled", f32, ["batch", channels, size, size])])
    opset = [helper.make_opsetid("", OPSET)]
    return (helper.make_model(encoder, opset_imports=opset, producer_name="anyup_export.bench_models"),
            helper.make_model(upsampler, opset_imports=opset, producer_name="anyup_export.bench_models"))


def build_null_bundle(out_dir: Path, size: int = 224, patch: int = 14, channels: int = NULL_CHANNELS,
                      pca: int = NULL_PCA, seed: int = 7) -> dict:
    """Writes the null-model bundle (see the module docstring) into ``out_dir``."""
    import onnx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder, upsampler = _null_graphs(size, patch, channels)
    enc_file, up_file = f"encoder_{size}.onnx", f"upsampler_{size}.onnx"
    for model, file in ((encoder, enc_file), (upsampler, up_file)):
        onnx.checker.check_model(model)
        onnx.save(model, str(out_dir / file))
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((channels, pca)))  # orthonormal columns
    pca_id = f"pca{pca}"
    _save_npy(out_dir / f"{pca_id}.npy", basis.T)
    _save_npy(out_dir / f"{pca_id}_mean.npy", np.zeros(channels))
    manifest = {
        "format_version": 1,
        "name": "bench-null",
        "version": "0.1.0",
        "description": (f"null models for the pipeline's own ceiling: real output sizes ({channels} channels, "
                        f"{size} x {size}), next to no arithmetic (average pool + repeat; nearest-neighbour repeat)"),
        "preprocess": {"mean": list(MEAN), "std": list(STD), "interpolation": "bilinear-antialias"},
        "encoder": {
            "name": "null-encoder", "version": "1.0.0", "licence": "Apache-2.0",
            "patch_size": patch, "channels": channels, "has_cls": True,
            "inputs": {"image": "image"}, "outputs": {"patch_features": "patch_features", "cls": "cls"},
            "profiles": [{"input_size": size, "file": enc_file, "sha256": _sha256(out_dir / enc_file)}],
        },
        "upsampler": {
            "name": "null-upsampler", "version": "1.0.0", "licence": "Apache-2.0", "kind": "onnx",
            "inputs": {"image": "image", "features": "features"}, "outputs": {"upsampled": "upsampled"},
            "profiles": [{"input_size": size, "feature_size": size // patch, "output_size": size, "file": up_file,
                          "sha256": _sha256(out_dir / up_file)}],
        },
        "projections": [{"id": pca_id, "in_channels": channels, "out_channels": pca, "file": f"{pca_id}.npy",
                         "mean_file": f"{pca_id}_mean.npy", "sha256": _sha256(out_dir / f"{pca_id}.npy")}],
        "references": [],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m anyup_export.bench_models", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the bundle into (created if missing)")
    parser.add_argument("--tiny", action="store_true", help="tiny variant (tests, smoke runs)")
    parser.add_argument("--null", action="store_true", help="the null-model bundle instead (no torch needed)")
    parser.add_argument("--no-references", action="store_true", help="skip the reference tensors (77 MB at 224)")
    parser.add_argument("--print-macs", action="store_true", help="print the analytic MAC estimate as JSON and exit")
    parser.add_argument("--size", type=int, default=BenchModelConfig.input_size,
                        help="input size of the real-structure pair (a multiple of 14; default 224)")
    args = parser.parse_args(argv)
    if args.null:
        manifest = build_null_bundle(args.out_dir, size=56 if args.tiny else 224)
        print(f"wrote {manifest['name']} to {args.out_dir}: {manifest['description']}")
        return 0
    cfg = TINY if args.tiny else BenchModelConfig(input_size=args.size)
    if args.print_macs:
        print(json.dumps(estimate_macs(cfg), indent=2))
        return 0
    manifest = build_bundle(args.out_dir, cfg, references=not args.no_references)
    print(f"wrote {manifest['name']} to {args.out_dir}: {manifest['description']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
