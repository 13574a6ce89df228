"""Benchmark-only model bundle: a ViT-S/14-shaped encoder and an AnyUp-sized upsampler with random weights.

The benchmark (``bench/``) needs a model pair whose *cost* is that of DINOv2 ViT-S/14 + AnyUp at 224, without shipping
100 MB of weights. This module builds it at benchmark setup time into a scratch directory (never committed):

* encoder: a pre-LN ViT with DINOv2 ViT-S/14's shape -- patch 14, width 384, depth 12, 6 heads, MLP 1536, CLS token,
  learned position embedding for exactly 16x16 patches (no interpolation), LayerScale. Outputs ``patch_features``
  ``[B,384,16,16]`` and ``cls`` ``[B,384]``.
* upsampler: AnyUp's contract (``image``, ``features`` -> ``upsampled`` ``[B,C,S,S]``) and its layer structure as
  described in the AnyUp paper (arXiv 2510.12764) and its public reference implementation: a 1x1-conv ResBlock image
  encoder at full resolution with 2-D RoPE, query and key encoders on those image features, a feature-agnostic key
  branch ("learned feature unification": a 5x5 basis of 128 filters applied to every input channel, softmax over the
  basis, mean over channels), a 3x3 aggregation of both key halves, a 3x3 conv on the queries, and windowed cross
  attention (window ratio 0.1, 4 heads, qk dim 128) from every output pixel to the low-resolution keys, whose values are
  the unmodified input features (so any channel count works).

Weights are random with a fixed seed: values are meaningless, costs are not. :func:`estimate_macs` gives the analytic
multiply-accumulate count of both graphs, so BENCHMARKS.md can say how close the stand-in is to the real models.

Run: ``/usr/bin/python3 -m anyup_export.bench_models OUT_DIR`` from ``models/export``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

OPSET = 17
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
MASKED = -1.0e9  # additive attention bias outside the window; finite so a fully masked row could never yield NaN


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
    lfu_basis: int = 128
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


TINY = BenchModelConfig(input_size=56, dim=24, depth=1, heads=2, mlp_dim=48, qk_dim=16, up_heads=2, lfu_basis=8,
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
class _ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv, twice, plus a (projected) shortcut; 1x1 convs as in AnyUp's encoders."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, cout, 1, bias=False),
                                  nn.GroupNorm(8, cout), nn.SiLU(), nn.Conv2d(cout, cout, 1, bias=False))
        self.shortcut = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def _encoder(first: nn.Module, width: int) -> nn.Sequential:
    return nn.Sequential(first, _ResBlock(width, width), _ResBlock(width, width))


class _FeatureUnification(nn.Module):
    """Feature-agnostic layer: one shared k x k filter basis on every channel, softmax over the basis, mean over channels."""

    def __init__(self, basis: int, kernel: int, feature_size: int, channels: int):
        super().__init__()
        self.channels = channels  # static: the exported graph is for one encoder, so its channel count is known
        self.basis_size = basis
        self.kernel = kernel
        self.basis = nn.Parameter(torch.randn(basis, 1, kernel, kernel))
        pad = kernel // 2
        ones = torch.ones(1, 1, feature_size, feature_size)
        # border renormalisation: how many taps of the zero-padded window fall inside the map
        self.register_buffer("coverage", F.conv2d(F.pad(ones, (pad,) * 4), torch.ones(1, 1, kernel, kernel)))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        c, h = self.channels, self.coverage.shape[2]
        x = F.conv2d(features, self.basis.repeat(c, 1, 1, 1), padding=self.kernel // 2, groups=c)
        x = (x / self.coverage).reshape(-1, c, self.basis_size, h, h)
        return torch.softmax(x, dim=2).mean(dim=1)


def _window_bias(out_size: int, feature_size: int, ratio: float) -> torch.Tensor:
    """[out_size, feature_size] additive bias: 0 where feature row/column k lies in output row/column i's window."""
    pos = (torch.arange(out_size, dtype=torch.float64) + 0.5) / out_size
    lo = ((pos - ratio).clamp(0, 1) * feature_size).floor()
    hi = ((pos + ratio).clamp(0, 1) * feature_size).ceil()
    k = torch.arange(feature_size, dtype=torch.float64)
    inside = (k[None, :] >= lo[:, None]) & (k[None, :] < hi[:, None])
    return torch.where(inside, 0.0, MASKED).float()


class AnyUpSizedUpsampler(nn.Module):
    """AnyUp's layer structure and sizes with random weights; see the module docstring."""

    def __init__(self, cfg: BenchModelConfig):
        super().__init__()
        q = cfg.qk_dim
        self.heads = cfg.up_heads
        self.out_size = cfg.input_size
        self.feature_size = cfg.grid
        self.pool = cfg.patch_size
        self.image_encoder = _encoder(nn.Conv2d(3, q, 1, bias=False), q)
        self.query_encoder = _encoder(nn.Conv2d(q, q, 1, bias=False), q)
        self.key_encoder = _encoder(nn.Conv2d(q, q, 1, bias=False), q)
        self.feature_encoder = nn.Sequential(_FeatureUnification(cfg.lfu_basis, cfg.lfu_kernel, cfg.grid, cfg.dim),
                                             _ResBlock(cfg.lfu_basis, q), _ResBlock(q, q))
        self.aggregation = _encoder(nn.Conv2d(2 * q, q, 3, padding=1, padding_mode="reflect", bias=False), q)
        self.query_conv = nn.Conv2d(q, q, 3, padding=1, bias=False)
        self.norm_q = nn.LayerNorm(q)
        self.norm_k = nn.LayerNorm(q)
        self.wq = nn.Linear(q, q)
        self.wk = nn.Linear(q, q)
        # 2-D rotary position encoding of the image features (first half rotates with rows, second with columns)
        s = cfg.input_size
        coords = torch.stack(torch.meshgrid(torch.linspace(0, 1, s), torch.linspace(0, 1, s), indexing="ij"), -1)
        freqs_1d = 100.0 ** torch.linspace(0, -1, q // 4)
        freqs = torch.zeros(2, q)
        freqs[0, : q // 2] = torch.cat([freqs_1d, freqs_1d])
        freqs[1, q // 2:] = torch.cat([freqs_1d, freqs_1d])
        angle = (coords.reshape(-1, 2) @ (freqs * 2 * math.pi)).T.reshape(1, q, s, s)
        self.register_buffer("rope_cos", angle.cos())
        self.register_buffer("rope_sin", angle.sin())
        bias = _window_bias(s, cfg.grid, cfg.window_ratio)
        self.register_buffer("row_bias", bias.reshape(s, 1, cfg.grid, 1))
        self.register_buffer("col_bias", bias.reshape(1, s, 1, cfg.grid))

    def _rope(self, x: torch.Tensor) -> torch.Tensor:
        half = x.shape[1] // 2
        rotated = torch.cat([-x[:, half:], x[:, :half]], dim=1)
        return x * self.rope_cos + rotated * self.rope_sin

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        s, g, heads = self.out_size, self.feature_size, self.heads
        enc = self._rope(self.image_encoder(image))
        query = self.query_conv(self.query_encoder(enc))  # output size == input size: no pooling needed
        # adaptive average pooling to the feature grid; the sizes divide exactly, so a plain average pool is the same
        key = F.avg_pool2d(self.key_encoder(enc), self.pool)
        key = torch.cat([key, self.feature_encoder(F.normalize(features, dim=1))], dim=1)
        key = self.aggregation(key)

        qd = query.shape[1]
        hd = qd // heads
        q = self.wq(self.norm_q(query.flatten(2).transpose(1, 2)))  # [B, s*s, qd]
        k = self.wk(self.norm_k(key.flatten(2).transpose(1, 2)))  # [B, g*g, qd]
        q = q.reshape(-1, s * s, heads, hd).transpose(1, 2)  # [B, heads, s*s, hd]
        k = k.reshape(-1, g * g, heads, hd).permute(0, 2, 3, 1)  # [B, heads, hd, g*g]
        logits = (q @ k).reshape(-1, heads, s, s, g, g) * (hd ** -0.5) + self.row_bias + self.col_bias
        attn = torch.softmax(logits.reshape(-1, heads, s * s, g * g), dim=-1).mean(dim=1)  # [B, s*s, g*g]
        values = features.flatten(2).transpose(1, 2)  # [B, g*g, C]: the input features themselves
        c = features.shape[1]
        return (attn @ values).transpose(1, 2).reshape(-1, c, s, s)


# ------------------------------------------------------------------------------------------------------------- costs
def estimate_macs(cfg: BenchModelConfig, channels: int | None = None) -> dict:
    """Analytic multiply-accumulates per image (convs, linears, attention matmuls; norms/softmax ignored)."""
    c = cfg.dim if channels is None else channels
    n = 1 + cfg.grid ** 2
    per_block = n * cfg.dim * 3 * cfg.dim + 2 * n * n * cfg.dim + n * cfg.dim * cfg.dim + 2 * n * cfg.dim * cfg.mlp_dim
    encoder = cfg.grid ** 2 * 3 * cfg.patch_size ** 2 * cfg.dim + cfg.depth * per_block
    px, fx, q = cfg.input_size ** 2, cfg.grid ** 2, cfg.qk_dim
    upsampler = {
        "image_encoder": px * (3 * q + 4 * q * q),
        "query_encoder": px * 5 * q * q,
        "key_encoder": px * 5 * q * q,
        "feature_unification": fx * c * cfg.lfu_basis * cfg.lfu_kernel ** 2,
        "feature_encoder_blocks": fx * (cfg.lfu_basis * q * 3 + 2 * q * q),
        "aggregation": fx * (2 * q * q * 9 + 4 * q * q),
        "query_conv_3x3": px * q * q * 9,
        "qk_projections": (px + fx) * q * q,
        "attention_logits": px * fx * q,
        "attention_values": px * fx * c,
    }
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
    upsampler = AnyUpSizedUpsampler(cfg).eval()
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
        "description": (f"benchmark stand-ins, random weights (seed {cfg.seed}): ViT-S/14-shaped encoder "
                        f"(dim {cfg.dim}, depth {cfg.depth}, {cfg.heads} heads, MLP {cfg.mlp_dim}) + AnyUp-sized "
                        f"upsampler (qk {cfg.qk_dim}, {cfg.up_heads} heads, window {cfg.window_ratio}); "
                        f"~{macs['encoder'] / 1e9:.2f} + {macs['upsampler'] / 1e9:.2f} GMAC per image"),
        "preprocess": {"mean": list(MEAN), "std": list(STD), "interpolation": "bilinear-antialias"},
        "encoder": {
            "name": "vit-s14-shaped-random", "version": "1.0.0", "licence": "Apache-2.0",
            "patch_size": cfg.patch_size, "channels": cfg.dim, "has_cls": True,
            "inputs": {"image": "image"}, "outputs": {"patch_features": "patch_features", "cls": "cls"},
            "profiles": [{"input_size": s, "file": enc_file, "sha256": _sha256(out_dir / enc_file)}],
        },
        "upsampler": {
            "name": "anyup-sized-random", "version": "1.0.0", "licence": "Apache-2.0", "kind": "onnx",
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
        # One atol covers all four tensors. The encoder outputs agree with ONNX Runtime to ~5e-6, but the upsampler's
        # GroupNorms over full-resolution groups (exported as InstanceNormalization at opset 17) differ by up to
        # ~1e-2 on these random weights (torch's own float32-vs-float64 difference is ~1.4e-3).
        manifest["references"].append({"input_size": s, **{k: f"{prefix}{k}.npy" for k in tensors}, "atol": 2e-2})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m anyup_export.bench_models", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the bundle into (created if missing)")
    parser.add_argument("--tiny", action="store_true", help="tiny variant (tests, smoke runs)")
    parser.add_argument("--no-references", action="store_true", help="skip the reference tensors (77 MB at 224)")
    parser.add_argument("--print-macs", action="store_true", help="print the analytic MAC estimate as JSON and exit")
    args = parser.parse_args(argv)
    cfg = TINY if args.tiny else BenchModelConfig()
    if args.print_macs:
        print(json.dumps(estimate_macs(cfg), indent=2))
        return 0
    manifest = build_bundle(args.out_dir, cfg, references=not args.no_references)
    print(f"wrote {manifest['name']} to {args.out_dir}: {manifest['description']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
