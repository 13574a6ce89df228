"""The tool's own AnyUp: the module structure, parameter names and shapes of the published AnyUp (arXiv 2510.12764,
reference implementation wimmerth/anyup), written from the paper and the published parameter layout so the export
path can be tested offline and an official state dict (``anyup_paper.pth``, ``anyup_multi_backbone.pth``) loads into it
unchanged (``load_state_dict(strict=True)``).

Its ``forward`` is the reference formulation -- dense cross-attention over every low-resolution cell with a boolean
window mask, through ``nn.MultiheadAttention``, keeping only the head-averaged attention weights -- so it is the
yardstick for :mod:`anyup_export.anyup_graph`, the exact and fast formulation that is exported. Layer by layer:

* ``image_encoder``: 1x1 conv 3->128 (no bias), two ResBlocks (GroupNorm(8) -> SiLU -> 1x1 conv, twice, + identity).
* 2-D RoPE on the encoded image (``rope.freqs`` [2,128]; coordinates linspace(0,1) along rows and columns).
* ``query_encoder`` / ``key_encoder``: 1x1 conv 128->128 + two ResBlocks; queries pooled to the output size, keys to
  the feature grid (adaptive average pooling).
* ``key_features_encoder``: learned feature unification (``.0.basis`` [128,1,5,5]: every input channel convolved with
  every basis kernel, zero padding, divided by the in-image tap count) + two ResBlocks, on L2-normalised features.
* ``aggregation``: 3x3 conv 256->128 with reflect padding + two ResBlocks over [pooled keys, unified features].
* ``cross_decode``: 3x3 conv on the queries, RMSNorm'd q/k, 4-head attention restricted to a window of ratio 0.1;
  the output is the head-averaged attention applied to the unprojected features (any channel count).
"""

import torch
import torch.nn.functional as F
from torch import nn

from . import compat

QK_DIM = 128
HEADS = 4
WINDOW_RATIO = 0.1
LFU_KERNEL = 5
GROUPS = 8


def _rms_norm_class():
    return getattr(nn, "RMSNorm", compat.RMSNorm)


class ResBlock(nn.Module):
    """``block`` = GroupNorm, SiLU, conv, GroupNorm, SiLU, conv (no biases); identity shortcut (in == out)."""

    def __init__(self, channels, kernel_size=1, groups=GROUPS):
        super().__init__()
        pad = kernel_size // 2
        self.block = nn.Sequential(
            nn.GroupNorm(groups, channels), nn.SiLU(),
            nn.Conv2d(channels, channels, kernel_size, padding=pad, padding_mode="reflect", bias=False),
            nn.GroupNorm(groups, channels), nn.SiLU(),
            nn.Conv2d(channels, channels, kernel_size, padding=pad, padding_mode="reflect", bias=False))
        self.shortcut = nn.Identity()

    def forward(self, x):
        return self.block(x) + self.shortcut(x)


class LearnedFeatureUnification(nn.Module):
    """Maps C feature channels (any C) to ``out_channels`` responses: each channel is filtered by every basis kernel
    (zero padding, border-normalised by the number of in-image taps), softmax, mean over channels.

    The response tensor is laid out channel-major ([C, basis] per pixel, as a depthwise conv with the basis repeated C
    times produces it) and then *viewed* as [basis, C] before the softmax over the first of those axes -- the
    reference does exactly this, so the softmax mixes basis and channel indices for C > 1; kept bit for bit."""

    def __init__(self, out_channels=QK_DIM, kernel_size=LFU_KERNEL):
        super().__init__()
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.basis = nn.Parameter(torch.randn(out_channels, 1, kernel_size, kernel_size))

    def forward(self, features):
        b, c, h, w = features.shape
        p = self.kernel_size // 2
        responses = F.conv2d(F.pad(features, (p, p, p, p)), self.basis.repeat(c, 1, 1, 1), groups=c)
        ones = torch.ones(1, 1, h, w, dtype=features.dtype)
        taps = F.conv2d(F.pad(ones, (p, p, p, p)), torch.ones(1, 1, self.kernel_size, self.kernel_size,
                                                               dtype=features.dtype))
        responses = (responses / taps).view(b, self.out_channels, c, h, w)
        return F.softmax(responses, dim=1).mean(dim=2)


class RoPE(nn.Module):
    """2-D rotary embedding over the channel axis; ``freqs`` [2, dim] maps (row, col) coordinates to angles."""

    def __init__(self, dim=QK_DIM, theta=100):
        super().__init__()
        self.freqs = nn.Parameter(default_rope_freqs(dim, theta))

    def forward(self, x, coords):
        angle = coords @ self.freqs
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * angle.cos() + rotated * angle.sin()


def default_rope_freqs(dim=QK_DIM, theta=100):
    """Rows: frequencies for the row coordinate (first half of the channels) and the column coordinate (second half),
    each a geometric series theta^linspace(0,-1,dim/4) repeated twice, times 2*pi."""
    series = theta ** torch.linspace(0, -1, dim // 4)
    series = torch.cat([series, series])
    freqs = torch.zeros(2, dim)
    freqs[0, :dim // 2] = series
    freqs[1, dim // 2:] = series
    return freqs * 2 * torch.pi


def grid_coordinates(h, w, dtype=torch.float32):
    """[1, h*w, 2] (row, col) coordinates in [0, 1], row-major."""
    rows, cols = torch.meshgrid(torch.linspace(0, 1, h, dtype=dtype), torch.linspace(0, 1, w, dtype=dtype),
                                indexing="ij")
    return torch.stack([rows, cols], -1).reshape(1, h * w, 2)


def window_bounds(out_len, grid_len, ratio):
    """For each of ``out_len`` output positions: the [start, end) range of the ``grid_len`` cells its window allows
    (pixel centre +- ratio, clamped to [0,1], floor/ceil on the grid). Float32 arithmetic, as the reference."""
    centre = (torch.arange(out_len, dtype=torch.float32) + 0.5) / out_len
    start = ((centre - ratio).clamp(0.0, 1.0) * grid_len).floor().long()
    end = ((centre + ratio).clamp(0.0, 1.0) * grid_len).ceil().long()
    return start, end


def window_mask(out_h, out_w, grid_h, grid_w, ratio):
    """Boolean [out_h*out_w, grid_h*grid_w]: True where attention is *not* allowed (nn.MultiheadAttention's
    convention)."""
    r0, r1 = window_bounds(out_h, grid_h, ratio)
    c0, c1 = window_bounds(out_w, grid_w, ratio)
    rows = torch.arange(grid_h)
    cols = torch.arange(grid_w)
    row_ok = (rows[None] >= r0[:, None]) & (rows[None] < r1[:, None])  # [out_h, grid_h]
    col_ok = (cols[None] >= c0[:, None]) & (cols[None] < c1[:, None])  # [out_w, grid_w]
    ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
    return ~ok.reshape(out_h * out_w, grid_h * grid_w)


class CrossAttention(nn.Module):
    def __init__(self, qk_dim=QK_DIM, heads=HEADS):
        super().__init__()
        rms = _rms_norm_class()
        self.norm_q = rms(qk_dim)
        self.norm_k = rms(qk_dim)
        self.attention = nn.MultiheadAttention(qk_dim, heads, dropout=0.0, batch_first=True)

    def forward(self, query, key, value, mask):
        # The MHA's value path and output projection are computed and thrown away: only the head-averaged weights
        # are used, applied to the unprojected features.
        _, weights = self.attention(self.norm_q(query), self.norm_k(key), key, attn_mask=mask,
                                    average_attn_weights=True)
        return torch.bmm(weights, value)


class CrossAttentionBlock(nn.Module):
    def __init__(self, qk_dim=QK_DIM, heads=HEADS, window_ratio=WINDOW_RATIO):
        super().__init__()
        self.cross_attn = CrossAttention(qk_dim, heads)
        self.window_ratio = window_ratio
        self.conv2d = nn.Conv2d(qk_dim, qk_dim, 3, padding=1, bias=False)

    def forward(self, q, k, v):
        q = self.conv2d(q)
        b, _, oh, ow = q.shape
        _, c, h, w = v.shape
        mask = window_mask(oh, ow, h, w, self.window_ratio) if self.window_ratio > 0 else None
        out = self.cross_attn(q.flatten(2).transpose(1, 2), k.flatten(2).transpose(1, 2),
                              v.flatten(2).transpose(1, 2), mask)
        return out.transpose(1, 2).reshape(b, c, oh, ow)


def _encoder(first, qk_dim=QK_DIM):
    return nn.Sequential(first, ResBlock(qk_dim), ResBlock(qk_dim))


class AnyUpArch(nn.Module):
    """AnyUp with default hyper-parameters (qk_dim 128, 4 heads, window 0.1, LFU kernel 5): 878,080 parameters."""

    def __init__(self, qk_dim=QK_DIM, heads=HEADS, window_ratio=WINDOW_RATIO, lfu_kernel=LFU_KERNEL):
        super().__init__()
        self.qk_dim = qk_dim
        self.window_ratio = window_ratio
        self.image_encoder = _encoder(nn.Conv2d(3, qk_dim, 1, bias=False), qk_dim)
        self.key_encoder = _encoder(nn.Conv2d(qk_dim, qk_dim, 1, bias=False), qk_dim)
        self.query_encoder = _encoder(nn.Conv2d(qk_dim, qk_dim, 1, bias=False), qk_dim)
        self.key_features_encoder = _encoder(LearnedFeatureUnification(qk_dim, lfu_kernel), qk_dim)
        self.cross_decode = CrossAttentionBlock(qk_dim, heads, window_ratio)
        self.aggregation = _encoder(nn.Conv2d(2 * qk_dim, qk_dim, 3, padding=1, padding_mode="reflect", bias=False),
                                    qk_dim)
        self.rope = RoPE(qk_dim)

    def forward(self, image, features, output_size=None):
        output_size = tuple(output_size) if output_size is not None else tuple(image.shape[-2:])
        enc = self.image_encoder(image)
        b, d, h, w = enc.shape
        enc = self.rope(enc.permute(0, 2, 3, 1).reshape(b, h * w, d), grid_coordinates(h, w, enc.dtype))
        enc = enc.reshape(b, h, w, d).permute(0, 3, 1, 2)
        q = F.adaptive_avg_pool2d(self.query_encoder(enc), output_size)
        k = F.adaptive_avg_pool2d(self.key_encoder(enc), features.shape[-2:])
        k = self.aggregation(torch.cat([k, self.key_features_encoder(F.normalize(features, dim=1))], dim=1))
        return self.cross_decode(q, k, features)


def anyup_arch(seed=0):
    """A randomly initialised AnyUpArch (fixed seed; RoPE frequencies as the reference initialises them)."""
    g = torch.random.fork_rng()
    with g:
        torch.manual_seed(seed)
        return AnyUpArch()
