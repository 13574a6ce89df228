"""AnyUp as an exportable graph for one resolution profile: exact, small, and with windowed attention.

:class:`AnyUpProfileGraph` wraps any module with AnyUp's structure (the upstream ``anyup.model.AnyUp`` or the tool's
:class:`~anyup_export.anyup_arch.AnyUpArch`) and reads its parameters in place, so any AnyUp checkpoint works
unchanged. It reuses the plain conv/GroupNorm/SiLU stacks as they are and re-expresses the parts that do not export or
waste work:

* **Learned feature unification**: the reference builds its depthwise kernel by repeating the basis by a channel count
  that is a traced shape, which ``torch.onnx.export`` refuses; here the C channels are folded into the batch axis and
  convolved with the [128,1,5,5] basis (one ordinary conv, same numbers), the border normalisation is a constant.
* **RoPE**: the angle is linear in (row, col), so cos/sin of it are products of per-row and per-column tables
  (cos(a+b) = cos a cos b - sin a sin b); the file holds small tables instead of two [128,H,W] maps (up to 448 ONNX
  Runtime multiplies them out once per session, see :meth:`AnyUpProfileGraph._rope`).
* **GroupNorm, RMSNorm, pooling**: written as the ops ONNX Runtime runs in fewer passes (:func:`_group_norm`,
  :meth:`AnyUpProfileGraph._project`) and with the key encoder's last 1x1 conv after the key pooling
  (:func:`_run_then_pool`).
* **Pooling**: a reshape and a mean when the sizes divide (the key pooling S -> S/14), constant matrices otherwise,
  nothing at all for identity pooling (queries pooled to their own size).
* **Cross-attention**: only the head-averaged attention weights are used, so the value projection, the weighted sum
  and the output projection of the reference's ``nn.MultiheadAttention`` are dropped. ``attention="windowed"`` (the
  default) computes logits only near each query: the output is cut into tiles (one per feature-grid cell when the sizes
  divide), each tile's keys (the union of its queries' windows: 5x5 cells at 224, 9x9 at 448, 15x15 at 896) are
  gathered with constant indices, and cells outside a query's own window get -inf before the softmax, exactly as the
  reference's mask does. Queries and outputs are reshapes of the tiled layout, no gathers.
  ``attention="dense"`` is the reference's formulation (logits over all h*w cells plus the window mask) for
  comparison.

Everything shape-dependent is computed in Python for the profile, so the graph has a few hundred nodes and no loops;
only the batch axis is dynamic.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .anyup_arch import window_bounds

ATTENTION_MODES = ("windowed", "dense")
# Above this many float32 elements (the logits of all heads, or the gathered features) the windowed attention runs in
# bands of tile rows, so the 896 profile's attention holds a few hundred MB at a time; smaller profiles run in one piece.
_PIECE_ELEMENTS = 128 * 1024 * 1024
# The largest tensor of one band (see _band_rows): 11 tile rows of 64 at 896 (6 bands). Smaller bands hold less at
# once but measured worse on ONNX Runtime with its default arena and memory pattern: 4 rows (16 bands) peaked at
# 9,268 MiB resident against 8,227 MiB for 11 rows (BENCHMARKS.md).
_BAND_ELEMENTS = 128 * 1024 * 1024
# Up to this many elements per table (128 channels x 448^2: 103 MB) RoPE runs on full cos/sin tables that ONNX Runtime
# builds once per session (see AnyUpProfileGraph._rope); above it, on products of per-row and per-column tables.
_ROPE_TABLE_ELEMENTS = 128 * 448 * 448


def _run(module, x):
    """Runs a Sequential of convs / GroupNorms / SiLUs / ResBlocks (``block`` + ``shortcut``) as the module would,
    except that a reflect-padded conv with no padding (every 1x1 conv of AnyUp) is a plain conv: torch pads by zero
    pixels with a full copy, and the exported graph would carry one Pad node (a full-resolution copy) per conv."""
    if isinstance(module, nn.Sequential):
        for child in module:
            x = _run(child, x)
        return x
    if hasattr(module, "block") and hasattr(module, "shortcut"):
        return _run(module.block, x) + _run(module.shortcut, x)
    if isinstance(module, nn.Conv2d) and module.padding_mode != "zeros" and not any(module.padding):
        return F.conv2d(x, module.weight, module.bias, module.stride, 0, module.dilation, module.groups)
    if isinstance(module, nn.GroupNorm) and module.affine:
        return _group_norm(x, module)
    return module(x)


def _run_then_pool(module, x, out_h, out_w):
    """``_avg_pool(_run(module, x))`` with the last 1x1 conv of the last ResBlock moved after the pooling: average
    pooling is linear and so are the identity shortcut and a 1x1 conv, so pool(x + conv(a)) = pool(x) + conv(pool(a))
    -- the key encoder's last conv then runs on the feature grid instead of every pixel (one of the 14 full-resolution
    128x128 1x1 convs, and a full-resolution Add, fewer)."""
    last = module[-1] if isinstance(module, nn.Sequential) and len(module) else None
    conv = last.block[-1] if hasattr(last, "block") and isinstance(last.block, nn.Sequential) else None
    if (not isinstance(getattr(last, "shortcut", None), nn.Identity) or not isinstance(conv, nn.Conv2d)
            or conv.kernel_size != (1, 1) or conv.stride != (1, 1) or any(conv.padding) or conv.groups != 1):
        return _avg_pool(_run(module, x), out_h, out_w)
    x = _run(module[:-1], x)
    a = _run(last.block[:-1], x)
    return _avg_pool(x, out_h, out_w) + F.conv2d(_avg_pool(a, out_h, out_w), conv.weight, conv.bias)


def _group_norm(x, gn):
    """GroupNorm as the normalisation alone (one InstanceNormalization over the groups) followed by the per-channel
    scale and shift as one inference-mode BatchNormalization (mean 0, variance 1, epsilon 0: exactly x * weight +
    bias). torch exports the affine part as a Mul and an Add, two full passes over the tensor where the
    BatchNormalization is one."""
    y = F.group_norm(x, gn.num_groups, None, None, gn.eps)
    c = gn.num_channels
    return F.batch_norm(y, torch.zeros(c), torch.ones(c), gn.weight, gn.bias, False, 0.0, 0.0)


def _avg_pool(x, out_h, out_w):
    """Exact adaptive average pooling with a fixed input size: identity, AveragePool, or two constant matrices."""
    h, w = int(x.shape[-2]), int(x.shape[-1])
    if (h, w) == (out_h, out_w):
        return x
    if h % out_h == 0 and w % out_w == 0:
        # a reshape and a mean: torch exports avg_pool2d with a zero Pad in front (a full-resolution copy)
        return x.reshape(-1, int(x.shape[1]), out_h, h // out_h, out_w, w // out_w).mean(dim=(3, 5))
    rows = torch.from_numpy(_pool_matrix(h, out_h))
    cols = torch.from_numpy(_pool_matrix(w, out_w).T.copy())
    return torch.matmul(torch.matmul(rows, x), cols)


def _pool_matrix(n, m):
    mat = np.zeros((m, n), np.float32)
    for i in range(m):
        a, b = (i * n) // m, -((-(i + 1) * n) // m)
        mat[i, a:b] = 1.0 / (b - a)
    return mat


class _Tiling:
    """Output positions along one axis cut into ``tiles`` runs of ``length`` (one run per grid cell when the sizes
    divide). A tile's queries share ``span`` key indices (``key_idx``, the union of their windows, clamped inside the
    grid); ``bias`` [tiles, length, span] is 0 where a query's own window allows the key and -inf where it does not --
    so each query's softmax runs over exactly the cells the reference's mask allows."""

    def __init__(self, out_len, grid_len, ratio):
        start, end = window_bounds(out_len, grid_len, ratio)
        per_cell = max(1, out_len // grid_len)
        self.length = max(d for d in range(1, per_cell + 1) if out_len % d == 0)
        self.tiles = out_len // self.length
        runs = [range(t * self.length, (t + 1) * self.length) for t in range(self.tiles)]
        self.span = max(int(end[r[-1]]) - int(start[r[0]]) for r in runs)  # bounds are monotonic in the position
        key_idx, bias = [], torch.zeros(self.tiles, self.length, self.span)
        for t, r in enumerate(runs):
            first = min(int(start[r[0]]), grid_len - self.span)
            keys = torch.arange(first, first + self.span)
            key_idx.append(keys)
            for i, y in enumerate(r):
                bias[t, i] = torch.where((keys >= start[y]) & (keys < end[y]), 0.0, float("-inf"))
        self.key_idx = torch.cat(key_idx)
        self.bias = bias


class AnyUpProfileGraph(nn.Module):
    """``forward(image [B,3,S,S], features [B,C,h,w]) -> [B,C,O,O]`` for one fixed (S, h, C, O)."""

    def __init__(self, anyup, input_size, feature_size, channels, output_size=None, attention="windowed"):
        super().__init__()
        if attention not in ATTENTION_MODES:
            raise ValueError("attention must be one of %s, got %r" % (ATTENTION_MODES, attention))
        self.m = anyup
        self.s, self.h, self.c = int(input_size), int(feature_size), int(channels)
        self.o = int(output_size or input_size)
        self.attention = attention
        mha = anyup.cross_decode.cross_attn.attention
        self.heads = int(mha.num_heads)
        self.qk_dim = int(mha.embed_dim)
        self.head_dim = self.qk_dim // self.heads
        ratio = float(anyup.cross_decode.window_ratio)
        self.lfu = anyup.key_features_encoder[0]
        k = int(self.lfu.basis.shape[-1])
        self.lfu_out = int(self.lfu.basis.shape[0])
        ones = F.pad(torch.ones(1, 1, self.h, self.h), (k // 2,) * 4)
        self.register_buffer("lfu_taps", F.conv2d(ones, torch.ones(1, 1, k, k)), persistent=False)
        self._rope_tables()
        self.rows = _Tiling(self.o, self.h, ratio)
        self.cols = self.rows  # square profiles: the same tiling along both axes
        if attention == "windowed":
            t, n, k = self.rows.tiles, self.rows.length, self.rows.span
            # persistent: initializers in the graph, see _window_bias
            self.register_buffer("row_bias", self.rows.bias.reshape(t, 1, n, 1, k, 1))
            self.register_buffer("col_bias", self.cols.bias.reshape(1, t, 1, n, 1, k))
        else:
            r0, r1 = window_bounds(self.o, self.h, ratio)
            cells = torch.arange(self.h)
            allowed = (cells[None] >= r0[:, None]) & (cells[None] < r1[:, None])  # [O, h]
            bias = torch.zeros(self.o, self.h).masked_fill_(~allowed, float("-inf"))
            self.register_buffer("row_bias", bias[:, None, :, None], persistent=False)  # [O,1,h,1]
            self.register_buffer("col_bias", bias[None, :, None, :], persistent=False)  # [1,O,1,h]

    # ------------------------------------------------------------------ pieces

    def _rope_tables(self):
        freqs = self.m.rope.freqs.detach().double()
        coord = torch.linspace(0, 1, self.s, dtype=torch.float32).double()
        row_angle = coord[:, None] * freqs[0][None]  # [S, d]
        col_angle = coord[:, None] * freqs[1][None]
        as_map = {"row": lambda t: t.t()[:, :, None], "col": lambda t: t.t()[:, None, :]}  # [d,S,1] / [d,1,S]
        for axis, angle in (("row", row_angle), ("col", col_angle)):
            self.register_buffer(axis + "_cos", as_map[axis](angle.cos()).float().contiguous(), persistent=False)
            self.register_buffer(axis + "_sin", as_map[axis](angle.sin()).float().contiguous(), persistent=False)
            # persistent: traced as initializers, which the exporter's folding leaves alone (as a non-persistent
            # constant the tracer would evaluate Cos/Sin of them and store the full tables)
            self.register_buffer(axis + "_angle", as_map[axis](angle).float().contiguous())
        half = self.qk_dim // 2
        # rot(x) = [-x[half:], x[:half]] = sign * x[index]
        self.register_buffer("rot_index", torch.cat([torch.arange(half, self.qk_dim), torch.arange(half)]),
                             persistent=False)
        self.register_buffer("rot_sign", torch.cat([-torch.ones(half), torch.ones(half)]).reshape(-1, 1, 1),
                             persistent=False)

    def _rope(self, x):
        """x cos(a+b) + rot(x) sin(a+b), with a the row angle and b the column angle of each channel."""
        if self.qk_dim * self.s * self.s <= _ROPE_TABLE_ELEMENTS:
            # Full [d, S, S] tables of cos(a+b) and sign * sin(a+b), written as products of Cos/Sin of the per-row
            # and per-column angles: the exporter does not fold Cos/Sin, so the file holds only the small angle
            # tables, and ONNX Runtime folds the tables into constants when the session is created. Each run is
            # then a gather of the channels and three passes (Mul, Mul, Add) instead of a dozen.
            ra, ca = self.row_angle, self.col_angle
            cos = torch.cos(ra) * torch.cos(ca) - torch.sin(ra) * torch.sin(ca)
            sin = (torch.sin(ra) * torch.cos(ca) + torch.cos(ra) * torch.sin(ca)) * self.rot_sign
            return x * cos + x.index_select(1, self.rot_index) * sin
        half = self.qk_dim // 2
        rotated = torch.cat([-x[:, half:], x[:, :half]], dim=1)
        # Above _ROPE_TABLE_ELEMENTS (the 896 profile: 2 x 411 MB of tables) every product involves x, so nothing
        # here constant-folds into a full-resolution table.
        u = x * self.row_cos + rotated * self.row_sin
        v = rotated * self.row_cos - x * self.row_sin
        return u * self.col_cos + v * self.col_sin

    def _unify(self, features):
        if self.c % self.lfu_out == 0:
            return self._unify_by_matmul(features)
        k = int(self.lfu.basis.shape[-1])
        x = F.normalize(features, dim=1).reshape(-1, 1, self.h, self.h)
        responses = F.conv2d(F.pad(x, (k // 2,) * 4), self.lfu.basis) / self.lfu_taps  # [B*C, basis, h, h]
        # channel-major [B, C*basis] viewed as [B, basis, C] -- the reference's layout (see anyup_arch)
        responses = responses.reshape(-1, self.lfu_out, self.c, self.h, self.h)
        # softmax over axis 1 written out: ONNX Runtime's Softmax on a non-last axis transposes (0.7 s at 224)
        e = torch.exp(responses - responses.amax(dim=1, keepdim=True))
        return (e / e.sum(dim=1, keepdim=True)).mean(dim=2)

    def _unify_by_matmul(self, features):
        """:meth:`_unify` as one MatMul and a last-axis Softmax, when C is a multiple of the basis size L.

        The reference views the [C, L] responses of each pixel as [L, C] (``f = c*L + j = a*C + b``), takes the
        softmax over ``a`` and the mean over ``b``; with C = L*M that is ``c = a*M + m``, ``j = b % L``: the softmax
        runs over the channel groups ``a`` for each (m, j, pixel) and the mean over (m, j). So the channels are laid out
        as [pixel, M, a] once (a small transpose of the input), each pixel's 5x5 neighbourhood is gathered for every m
        with constant indices (im2col; zero padding as the reference's), divided by the pixel's tap count, and
        multiplied by the [L, 25] basis into [pixel, M, j, a]: the softmax axis comes out last, where ONNX Runtime's
        Softmax is one fused pass, the mean runs over two adjacent axes (one contiguous reduction), and no conv output
        needs converting out of the NCHWc layout (that conversion and the written-out softmax over a middle axis were
        ~15 % of the 224 graph's time)."""
        k = int(self.lfu.basis.shape[-1])
        h, L = self.h, self.lfu_out
        M = self.c // L
        px = h * h
        x = F.normalize(features, dim=1).reshape(-1, L, M, h, h).permute(0, 3, 4, 2, 1)  # [B, h, h, M, a]
        x = F.pad(x, (0, 0, 0, 0, k // 2, k // 2, k // 2, k // 2)).reshape(-1, (h + k - 1) ** 2 * M, L)
        x = x.index_select(1, self._lfu_patch_index(h, k, M)).reshape(-1, px, M, k * k, L)  # [B, P, M, 25, a]
        x = x * (1.0 / self.lfu_taps.reshape(1, px, 1, 1, 1))
        responses = torch.matmul(self.lfu.basis.reshape(L, k * k), x)  # [B, P, M, j, a]
        weights = torch.softmax(responses, dim=-1).mean(dim=(2, 3))  # [B, P, a]
        return weights.transpose(1, 2).reshape(-1, L, h, h)

    @staticmethod
    def _lfu_patch_index(h, k, m=1):
        """Flat indices into the zero-padded (h+k-1)^2 grid of ``m`` interleaved maps ([pixel, m] flattened): for
        each output pixel, each map and each of the k x k taps (row-major), the tap's index."""
        w = h + k - 1
        rows = torch.arange(h).reshape(h, 1, 1, 1) + torch.arange(k).reshape(1, 1, k, 1)
        cols = torch.arange(h).reshape(1, h, 1, 1) + torch.arange(k).reshape(1, 1, 1, k)
        taps = (rows * w + cols).reshape(h * h, 1, k * k)
        return (taps * m + torch.arange(m).reshape(1, m, 1)).reshape(-1)

    def _project(self, x, norm, rows, scale=1.0):
        """RMSNorm over channels of x [B, d, ...] then the attention's in-projection rows, times ``scale`` (folded
        into the projection's weight and bias). The channels are moved last first, so the norm is the pattern ONNX
        Runtime fuses into one SimplifiedLayerNormalization (x / sqrt(mean(x^2) + eps) * weight over the last
        axis): one pass instead of seven over the full-resolution queries."""
        mha = self.m.cross_decode.cross_attn.attention
        eps = norm.eps if norm.eps is not None else torch.finfo(x.dtype).eps
        x = torch.movedim(x, 1, -1)
        x = x / torch.sqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * norm.weight
        w = mha.in_proj_weight[rows] * scale
        b = mha.in_proj_bias[rows] * scale
        return x.matmul(w.t()) + b  # [B, ..., d]

    # ------------------------------------------------------------------ forward

    def forward(self, image, features):
        m = self.m
        enc = self._rope(_run(m.image_encoder, image))
        q = _avg_pool(_run(m.query_encoder, enc), self.o, self.o)
        k = _run_then_pool(m.key_encoder, enc, self.h, self.h)
        k = _run(m.aggregation, torch.cat([k, _run(m.key_features_encoder[1:], self._unify(features))], dim=1))
        q = m.cross_decode.conv2d(q)
        d = self.qk_dim
        attn = m.cross_decode.cross_attn
        q = self._project(q, attn.norm_q, slice(0, d), 1.0 / math.sqrt(self.head_dim))  # [B, O, O, d]
        k = self._project(k, attn.norm_k, slice(d, 2 * d))  # [B, h, h, d]
        if self.attention == "windowed":
            return self._windowed(q, k, features)
        return self._dense(q, k, features)

    def _heads(self, x):
        return x.reshape(*x.shape[:-1], self.heads, self.head_dim)

    def _windowed(self, q, k, features):
        """The windowed attention, in one piece (224, 448) or in bands of tile rows (896, see _band_rows)."""
        R, C = self.rows, self.cols
        # the head average is a sum over heads with 1/heads taken into the features (exact for 4 heads)
        features = features * (1.0 / self.heads)
        rows = self._band_rows() or R.tiles
        # the key columns and feature columns every band sees, gathered once (small: grid rows x tile columns)
        kc = self._heads(k).index_select(2, C.key_idx)  # [B, h, C.tiles*C.span, nh, dh]
        # channels last once (small), so each tile's features are gathered as rows of C floats
        fc = features.permute(0, 2, 3, 1).index_select(2, C.key_idx)  # [B, h, C.tiles*C.span, C]
        bands = [self._tile_rows(q, kc, fc, r0, min(rows, R.tiles - r0)) for r0 in range(0, R.tiles, rows)]
        if len(bands) == 1:
            return bands[0]
        return torch.cat(bands, dim=2)

    def _tile_rows(self, q, kc, fc, r0, n):
        """Tile rows r0..r0+n of the output, [B, C, n*R.length, O]: each tile's queries against the keys of its
        window union, -inf outside each query's own window, softmax, sum over heads, times the tile's features.

        Queries and outputs are reshapes of the tiled layout; keys and features are gathered with constant indices.
        The window bias of the band is one [tiles, G, K] tensor added with a plain leading-axis broadcast over the
        heads (added as a row part and a column part on the 6-D logits, ONNX Runtime broadcasts several times
        slower). Computing out^T = V^T W^T keeps a run of tile pixels last, so the one transpose into the output
        layout moves runs of R.length floats."""
        R, C = self.rows, self.cols
        G, K = R.length * C.length, R.span * C.span
        nh, dh = self.heads, self.head_dim
        tn = n * C.tiles
        qt = self._heads(q if n == R.tiles else q[:, r0 * R.length:(r0 + n) * R.length])  # no copy for one band
        qt = qt.reshape(-1, n, R.length, C.tiles, C.length, nh, dh)
        qt = qt.permute(0, 5, 1, 3, 2, 4, 6).reshape(-1, tn, G, dh)  # [B*nh, tn, G, dh]
        key_rows = R.key_idx[r0 * R.span:(r0 + n) * R.span]
        kt = kc.index_select(1, key_rows).reshape(-1, n, R.span, C.tiles, C.span, nh, dh)
        kt = kt.permute(0, 5, 1, 3, 2, 4, 6).reshape(-1, tn, K, dh)  # [B*nh, tn, K, dh]: runs of dh floats
        logits = torch.matmul(qt, kt.transpose(-1, -2)) + self._window_bias(r0, n, fc)  # FusedMatMul transB
        weights = torch.softmax(logits, dim=-1).reshape(-1, nh, tn, G, K).sum(dim=1)  # [B, tn, G, K]
        v = fc.index_select(1, key_rows).reshape(-1, n, R.span, C.tiles, C.span, self.c)
        v = v.permute(0, 1, 3, 2, 4, 5).reshape(-1, tn, K, self.c)  # moves runs of span*C floats
        # both operands transposed: ONNX Runtime fuses the two into its MatMul (FusedMatMul transA/transB)
        out = torch.matmul(v.transpose(-1, -2), weights.transpose(-1, -2))  # [B, tn, C, G]
        out = out.reshape(-1, n, C.tiles, self.c, R.length, C.length).permute(0, 3, 1, 4, 2, 5)
        return out.reshape(-1, self.c, n * R.length, self.o)

    def _window_bias(self, r0, n, like):
        """[n*C.tiles, G, K]: 0 where a query's window allows the key, -inf elsewhere, for tile rows r0..r0+n: the sum
        of the row and the column part, T*G*K floats (5 MB at 224, 65 MB at 448), which is not stored in the file.
        In one piece, the row part goes through a Floor (exact on 0 and -inf), which the exporter does not fold, so
        the graph holds the two small parts and ONNX Runtime folds their sum into a constant when the session is
        created. In bands (896: 722 MB for all bands), each band's bias is built on every run instead (the zero taken
        from ``like`` keeps both the exporter and ONNX Runtime from folding it)."""
        R, C = self.rows, self.cols
        if n == R.tiles:
            bias = torch.floor(self.row_bias) + self.col_bias
        else:
            zero = like[:1, :1, :1, :1].reshape(1, 1, 1, 1, 1, 1) * 0.0
            bias = (self.row_bias[r0:r0 + n] + zero) + self.col_bias
        # [n, C.tiles, R.length, C.length, R.span, C.span]
        return bias.reshape(n * C.tiles, R.length * C.length, R.span * C.span)

    def _band_rows(self):
        """Tile rows per band of the windowed attention, or None when it runs in one piece. Bands are used when the
        largest tensor of the whole (the logits of all heads, or the gathered features) would exceed _PIECE_ELEMENTS;
        each band then holds at most _BAND_ELEMENTS of it, the rows spread evenly over the bands (the last one may be
        shorter): 11 rows of 64 at 896 (6 bands), None at 224 and 448."""
        R, C = self.rows, self.cols
        per_row = C.tiles * R.span * C.span * max(self.heads * R.length * C.length, self.c)
        if R.tiles * per_row <= _PIECE_ELEMENTS:
            return None
        bands = math.ceil(R.tiles / max(1, _BAND_ELEMENTS // per_row))
        return math.ceil(R.tiles / bands)

    def _dense(self, q, k, features):
        nh, dh, o, h = self.heads, self.head_dim, self.o, self.h
        qh = self._heads(q).reshape(-1, o * o, nh, dh).transpose(1, 2)  # [B, nh, O*O, dh]
        kh = self._heads(k).reshape(-1, h * h, nh, dh).permute(0, 2, 3, 1)  # [B, nh, dh, h*h]
        # The reference adds one [O*O, h*h] float mask. Stored, that is 0.8 GB at 448; broadcast from the row and
        # column parts onto the 6-D logits, ONNX Runtime is several times slower than the logits themselves. So the
        # mask is built once per run from the two parts (the zero taken from the input keeps the exporter from
        # folding it into a constant) and added with a plain leading-axis broadcast, as the reference does.
        zero = features[:1, :1, :1, :1].reshape(1, 1, 1, 1) * 0.0
        mask = ((self.row_bias + zero) + self.col_bias).reshape(o * o, h * h)
        logits = torch.matmul(qh, kh) + mask
        weights = torch.softmax(logits, dim=-1).mean(dim=1)  # [B, O*O, h*h]
        out = torch.matmul(weights, features.reshape(-1, self.c, h * h).transpose(1, 2))  # [B, O*O, C]
        return out.transpose(1, 2).reshape(-1, self.c, o, o)


def is_anyup(module):
    """Whether ``module`` has AnyUp's structure (the upstream class or the tool's own)."""
    try:
        return (hasattr(module, "rope") and hasattr(module.cross_decode.cross_attn, "attention")
                and hasattr(module.key_features_encoder[0], "basis"))
    except (AttributeError, TypeError, IndexError):
        return False


def macs(input_size, feature_size, channels, attention="windowed", qk_dim=128, heads=4, ratio=0.1, lfu=128, k=5):
    """Multiply-accumulates per image, by stage, of the exported graph (convs, projections and attention; norms and
    activations are memory-bound and not counted)."""
    s, h, c, d = input_size, feature_size, channels, qk_dim
    px = s * s
    stages = {
        # the key encoder's last 1x1 conv runs after the pooling, on the feature grid (_run_then_pool)
        "full-res 1x1 convs (image, query, key encoders)": px * (3 * d + 4 * d * d) + px * 9 * d * d + h * h * d * d,
        "query 3x3 conv": px * 9 * d * d,
        "q/k projections": px * d * d + h * h * d * d,
        "low-res (feature unification, aggregation)": h * h * (c * lfu * k * k + 9 * 2 * d * d + 4 * d * d * 2),
    }
    if attention == "dense":
        keys = h * h
        stages["attention logits"] = px * keys * d
        stages["attention x features"] = px * keys * c
    else:
        span = _Tiling(s, h, ratio).span
        stages["attention logits"] = px * span * span * d
        stages["attention x features"] = px * span * span * c
    return stages
