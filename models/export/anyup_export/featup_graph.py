"""FeatUp's JBU stack (Fu, Hamilton et al., ICLR 2024; mhamilton723/FeatUp) as an exportable graph for one profile.

FeatUp's ``JBUStack`` upsamples features 16x in four learned joint-bilateral steps of 2x each. One step
(``JBULearnedRange``), for low-resolution features ``x`` [B,C,h,w] and the image average-pooled to H x W = 2h x 2w:

1. a **range kernel** over the 7x7 neighbourhood of every guidance pixel: ``p = range_proj(guidance)`` (1x1 conv
   3->32, exact GELU, 1x1 conv 32->32), reflect-padded by 3; ``softmax_n(exp(range_temp) * <p(y+i, x+j), p(y, x)>)``
   over the 49 offsets n = 7i + j (the temperature clamped to [1e-4, 1e4]);
2. times a **spatial kernel** ``exp(-(u_i^2 + u_j^2) / (2 sigma_spatial^2))`` with u = linspace(-1, 1, 7),
   normalised to sum 1 per pixel (the sum clamped to at least 1e-7);
3. plus ``0.1 * fixup_proj(cat[kernel, guidance])`` (1x1 conv 52->49, GELU, 1x1 conv 49->49);
4. the **adaptive convolution**: the features are upsampled 2x with bicubic interpolation (a = -0.75, half-pixel
   centres, borders replicated: torch's ``bicubic``, align_corners False), reflect-padded by 3, and each output pixel
   is the sum over its 7x7 neighbourhood weighted by its own 49 kernel values. Upstream runs this step in a C++ /
   CUDA extension (``featup/adaptive_conv_cuda``), which does not export.

The stack then adds ``0.1 * fixup_proj(x)`` (1x1 conv C->C). The published checkpoints were trained on features
passed through ``ChannelNorm`` (a LayerNorm over channels whose weights stay at their initial values: the training
script's optimiser does not hold them), so the graph applies it first when the model has one.

:class:`FeatUpProfileGraph` wraps a module that holds such a stack (the tool's own :class:`FeatUpJBU`, or the same
with upstream's ``JBUStack`` inside) and reads its parameters in place. Everything is standard ONNX:

* **Adaptive convolution**: the output is cut into 8x8 tiles; each tile's 14x14 input window is gathered with
  constant indices and multiplied (one MatMul for all tiles) by the tile's banded kernel matrix [64, 196], which holds
  each pixel's 49 weights at its neighbours' positions and zeros elsewhere, built from the kernels by reshapes, pads
  and slices (:func:`_band`). The zeros add nothing, so each sum has exactly upstream's 49 products: no custom op, no
  [C,49,H,W] unfold tensor, a few nodes per step. The **range logits** use the same tiles the other way round (all
  queries of a tile against its window, then the 49 entries per query read back off the band).
* **Bicubic 2x** is a 5-tap convolution per output parity (the even and odd output pixels of an exact 2x upsampling
  sit a quarter pixel either side of an input pixel, so both use fixed weights) along the columns, then the rows, on
  an edge-padded map, with the two parities interleaved by a reshape: torch's order (columns first), its clamped
  borders, its coefficients (computed in float32 by its formula).
* **Pooling** of the guidance image to each step's size: a reshape and a mean, or two constant matrices (exact
  adaptive average pooling, see :func:`anyup_export.anyup_graph._avg_pool`).
* **Output size**: the stack's output is 16 h (256 for ViT-S/14 at 224, not 224). The bundle contract is [C, S, S],
  so the graph resizes it bilinearly (align_corners False, no antialias) to S x S -- what upstream's own training and
  validation steps do when the sizes differ -- with two constant-index gathers and a lerp per axis, torch's own
  weights (see :func:`_linear_gather`) in torch's order.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .anyup_graph import _avg_pool

KEY_DIM = 32
RADIUS = 3
DIAMETER = 2 * RADIUS + 1
STEPS = 4
BICUBIC_A = -0.75
# Output tile side of the adaptive convolution: each tile of t x t pixels reads a (t+6) x (t+6) window, so the
# matmul does (t+6)^2 / 49 times the useful work (4x at 8) and the gathered windows are (t+6)^2 / t^2 times the map
# (3x at 8); smaller tiles waste less arithmetic but make more, smaller matmuls.
TILE = 8


# ---------------------------------------------------------------- the tool's own JBU stack (parameters only)

class JBUStep(nn.Module):
    """The parameters of one JBU step with upstream's names and shapes (``JBULearnedRange(3, C, 32, radius=3)``);
    dropout layers keep their positions so the indices in the names match."""

    def __init__(self, guidance_dim=3, key_dim=KEY_DIM, radius=RADIUS):
        super().__init__()
        d2 = (2 * radius + 1) ** 2
        self.radius = radius
        self.diameter = 2 * radius + 1
        self.range_temp = nn.Parameter(torch.tensor(0.0))
        self.range_proj = nn.Sequential(nn.Conv2d(guidance_dim, key_dim, 1), nn.GELU(), nn.Dropout2d(0.1),
                                        nn.Conv2d(key_dim, key_dim, 1))
        self.fixup_proj = nn.Sequential(nn.Conv2d(guidance_dim + d2, d2, 1), nn.GELU(), nn.Dropout2d(0.1),
                                        nn.Conv2d(d2, d2, 1))
        self.sigma_spatial = nn.Parameter(torch.tensor(1.0))


class JBUStackArch(nn.Module):
    """Upstream's ``JBUStack(C)`` parameter tree: ``up1``..``up4`` and ``fixup_proj`` (Dropout2d, 1x1 conv C->C)."""

    def __init__(self, channels):
        super().__init__()
        self.up1, self.up2, self.up3, self.up4 = (JBUStep() for _ in range(STEPS))
        self.fixup_proj = nn.Sequential(nn.Dropout2d(0.2), nn.Conv2d(channels, channels, 1))


class FeatUpJBU(nn.Module):
    """A JBU stack (``upsampler``: the tool's :class:`JBUStackArch` or upstream's ``JBUStack``) and the optional
    ``ChannelNorm`` in front of it (``norm``: a LayerNorm over channels, or None). Its state dict uses the
    published checkpoints' names: ``upsampler.*`` and ``model.1.norm.*`` (see :func:`checkpoint_state`)."""

    def __init__(self, channels, use_norm=True, stack=None):
        super().__init__()
        self.channels = int(channels)
        self.upsampler = stack if stack is not None else JBUStackArch(channels)
        self.norm = nn.LayerNorm(channels) if use_norm else None

    def published_state_dict(self):
        """The parameters under the names a published ``*_jbu_stack_cocostuff.ckpt`` stores them."""
        out = {"upsampler." + k: v for k, v in self.upsampler.state_dict().items()}
        if self.norm is not None:
            out.update({"model.1.norm." + k: v for k, v in self.norm.state_dict().items()})
        return out

    def forward(self, image, features):
        """The reference: upstream's maths in PyTorch with the adaptive convolution of :func:`adaptive_conv`."""
        return reference_forward(self, image, features)


class CheckpointError(ValueError):
    """A checkpoint that is not a FeatUp JBU checkpoint for this channel count; the message names the keys."""


def checkpoint_state(state, channels=None):
    """Splits a FeatUp checkpoint's state dict (a Lightning checkpoint's ``state_dict``: the frozen backbone under
    ``model.0.``, ``ChannelNorm`` under ``model.1.norm.``, the stack under ``upsampler.``, training-only
    ``downsampler.`` / ``scale_net.``) into (stack state, norm state or None, channels). A bare stack state dict
    (``up1.…``) is accepted too."""
    if any(k.startswith("upsampler.") for k in state):
        stack = {k[len("upsampler."):]: v for k, v in state.items() if k.startswith("upsampler.")}
    elif any(k.startswith("up1.") for k in state):
        stack = dict(state)
    else:
        raise CheckpointError("no FeatUp JBU stack in it: no 'upsampler.*' (Lightning checkpoint) or 'up1.*' keys; "
                              "first keys: %s" % ", ".join(sorted(state)[:5]))
    norm = {k[len("model.1.norm."):]: v for k, v in state.items() if k.startswith("model.1.norm.")} or None
    w = stack.get("fixup_proj.1.weight")
    c = int(w.shape[0]) if w is not None and w.dim() == 4 else None
    if channels is not None and c is not None and c != channels:
        raise CheckpointError("its stack is for %d feature channels (upsampler.fixup_proj.1.weight %s), the encoder "
                              "gives %d" % (c, tuple(w.shape), channels))
    return stack, norm, c


def load_published(model, state, path="checkpoint"):
    """Loads a FeatUp checkpoint's stack (and ChannelNorm, when it has one) strictly into ``model``
    (:class:`FeatUpJBU`): every stack key present, none extra, every shape equal."""
    stack, norm, _ = checkpoint_state(state, model.channels)
    problems = _strict_problems(model.upsampler, stack, "upsampler.")
    if norm is not None and model.norm is None:
        problems.append("it has a ChannelNorm (model.1.norm.*) but the model was built without one")
    if norm is None and model.norm is not None:
        problems.append("it has no ChannelNorm (model.1.norm.weight/bias) but the model was built with one")
    if norm is not None and model.norm is not None:
        problems += _strict_problems(model.norm, norm, "model.1.norm.")
    if problems:
        raise CheckpointError("%s does not fit FeatUp's JBU stack for %d channels: %s" % (
            path, model.channels, "; ".join(problems)))
    model.upsampler.load_state_dict(stack, strict=True)
    if norm is not None:
        model.norm.load_state_dict(norm, strict=True)


def _strict_problems(module, state, prefix):
    want = module.state_dict()
    missing = sorted(set(want) - set(state))
    unexpected = sorted(set(state) - set(want))
    shapes = sorted("%s%s %s, expected %s" % (prefix, k, tuple(state[k].shape), tuple(want[k].shape))
                    for k in set(want) & set(state) if tuple(state[k].shape) != tuple(want[k].shape))
    out = []
    for what, keys in (("missing", missing), ("unexpected", unexpected)):
        if keys:
            out.append("%d %s key(s): %s%s" % (len(keys), what, ", ".join(prefix + k for k in keys[:5]),
                                               ", ..." if len(keys) > 5 else ""))
    if shapes:
        out.append("%d shape mismatch(es): %s%s" % (len(shapes), "; ".join(shapes[:5]), "; ..." if len(shapes) > 5
                                                     else ""))
    return out


def is_featup(module):
    """Whether ``module`` is a :class:`FeatUpJBU` (whatever stack it holds)."""
    return isinstance(module, FeatUpJBU)


# ---------------------------------------------------------------- the reference maths, in PyTorch

def adaptive_conv(padded, kernels):
    """Upstream's adaptive convolution (the C++ extension's ``forward``) in PyTorch: ``padded`` [B,C,H+2r,W+2r],
    ``kernels`` [B,H,W,d,d] -> [B,C,H,W], out[b,c,y,x] = sum_ij kernels[b,y,x,i,j] * padded[b,c,y+i,x+j]."""
    b, h, w, d, _ = kernels.shape
    out = torch.zeros(padded.shape[0], padded.shape[1], h, w, dtype=padded.dtype)
    for i in range(d):
        for j in range(d):
            out += kernels[:, None, :, :, i, j] * padded[:, :, i:i + h, j:j + w]
    return out


def _spatial_kernel(sigma):
    u = torch.linspace(-1, 1, DIAMETER)
    ii, jj = torch.meshgrid(u, u, indexing="ij")
    d2 = torch.stack([ii, jj]).square().sum(0)
    return torch.exp(-d2 / (2 * sigma ** 2)).reshape(1, DIAMETER * DIAMETER, 1, 1)


def _reference_step(step, source, guidance):
    gb, _, gh, gw = guidance.shape
    p = step.range_proj(guidance)
    padded = F.pad(p, [RADIUS] * 4, mode="reflect")
    queries = F.unfold(padded, DIAMETER).reshape(gb, KEY_DIM, DIAMETER * DIAMETER, gh, gw).permute(0, 1, 3, 4, 2)
    temp = step.range_temp.exp().clamp_min(1e-4).clamp_max(1e4)
    rng = F.softmax(temp * torch.einsum("bchwp,bchw->bphw", queries, p), dim=1)
    k = rng * _spatial_kernel(step.sigma_spatial)
    k = k / k.sum(1, keepdim=True).clamp(1e-7)
    k = k + 0.1 * step.fixup_proj(torch.cat([k, guidance], dim=1))
    k = k.permute(0, 2, 3, 1).reshape(gb, gh, gw, DIAMETER, DIAMETER)
    hr = F.interpolate(source, (gh, gw), mode="bicubic", align_corners=False)
    return adaptive_conv(F.pad(hr, [RADIUS] * 4, mode="reflect"), k)


def reference_forward(model, image, features, output_size=None):
    """Upstream's forward (ChannelNorm, then ``JBUStack.forward``) in PyTorch, optionally followed by upstream's
    training-time bilinear resize to ``output_size``."""
    x = features
    if model.norm is not None:
        x = model.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    stack = model.upsampler
    for step in (stack.up1, stack.up2, stack.up3, stack.up4):
        h, w = x.shape[-2:]
        x = _reference_step(step, x, F.adaptive_avg_pool2d(image, (2 * h, 2 * w)))
    x = stack.fixup_proj(x) * 0.1 + x
    if output_size is not None and tuple(x.shape[-2:]) != (output_size, output_size):
        x = F.interpolate(x, (output_size, output_size), mode="bilinear")
    return x


# ---------------------------------------------------------------- the exportable graph

def _cubic_weights(t):
    """torch's bicubic coefficients for fractional offset ``t`` (float32, its formula and evaluation order)."""
    a = torch.tensor(BICUBIC_A, dtype=torch.float32)
    t = torch.tensor(t, dtype=torch.float32)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    one = torch.tensor(1.0, dtype=torch.float32)
    return torch.stack([far(t + one), near(t), near(one - t), far((one - t) + one)])


def _bicubic_taps():
    """[2, 5]: the taps over input pixels i-2..i+2 of output pixels 2i (row 0: source i - 1/4, so taps i-2..i+1
    at t = 3/4) and 2i+1 (row 1: source i + 1/4, taps i-1..i+2 at t = 1/4)."""
    taps = torch.zeros(2, 5)
    taps[0, 0:4] = _cubic_weights(0.75)
    taps[1, 1:5] = _cubic_weights(0.25)
    return taps


def _linear_gather(n_in, n_out):
    """torch's bilinear (align_corners False, no antialias) source indices and weights along one axis: out =
    x[i0] * l0 + x[i1] * l1. The weights are read off torch's own interpolation of unit impulses: its float32 index
    arithmetic rounds differently from any re-derivation (up to 1.5e-5 per weight at 512 -> 448), so this is the
    only way to have its exact weights."""
    eye = torch.eye(n_in, dtype=torch.float32).reshape(n_in, 1, 1, n_in)
    with torch.no_grad():
        w = F.interpolate(eye, (1, n_out), mode="bilinear", align_corners=False)[:, 0, 0, :].numpy()  # [in, out]
    i0, i1 = np.zeros(n_out, np.int64), np.zeros(n_out, np.int64)
    l0, l1 = np.zeros(n_out, np.float32), np.zeros(n_out, np.float32)
    for o in range(n_out):
        support = np.nonzero(w[:, o])[0]
        if len(support) == 0 or len(support) > 2 or support[-1] - support[0] > 1:
            raise ValueError("unexpected bilinear support %s at %d (%d -> %d)" % (support, o, n_in, n_out))
        i0[o] = support[0]
        i1[o] = support[-1] if len(support) == 2 else support[0]
        l0[o] = w[i0[o], o]
        l1[o] = w[i1[o], o] if len(support) == 2 else 0.0
    return i0, i1, l0, l1


class FeatUpProfileGraph(nn.Module):
    """``forward(image [B,3,S,S], features [B,C,h,w]) -> [B,C,O,O]`` for one fixed (S, h, C, O); O defaults to S
    (the stack's 16 h output resized bilinearly), ``output_size=0`` keeps the stack's own 16 h."""

    def __init__(self, model, input_size, feature_size, channels, output_size=None):
        super().__init__()
        if not is_featup(model):
            raise TypeError("expected a FeatUpJBU, got %s" % type(model).__name__)
        self.m = model
        self.s, self.h, self.c = int(input_size), int(feature_size), int(channels)
        self.native = self.h * 2 ** STEPS
        self.o = self.native if output_size == 0 else int(output_size or input_size)
        self.register_buffer("taps", _bicubic_taps(), persistent=False)
        u = torch.linspace(-1, 1, DIAMETER)
        ii, jj = torch.meshgrid(u, u, indexing="ij")
        self.register_buffer("dist2", torch.stack([ii, jj]).square().sum(0).reshape(1, -1, 1, 1), persistent=False)
        self.tile = {}
        for k in range(1, STEPS + 1):
            n = self.h * 2 ** k
            t = max(d for d in range(1, TILE + 1) if n % d == 0)
            self.tile[n] = t
            win = [q * t + u for q in range(n // t) for u in range(t + 2 * RADIUS)]
            self.register_buffer("win%d" % n, torch.tensor(win, dtype=torch.int64), persistent=False)
        if self.o != self.native:
            i0, i1, l0, l1 = _linear_gather(self.native, self.o)
            self.register_buffer("lin_i0", torch.from_numpy(i0), persistent=False)
            self.register_buffer("lin_i1", torch.from_numpy(i1), persistent=False)
            self.register_buffer("lin_l0", torch.from_numpy(l0), persistent=False)
            self.register_buffer("lin_l1", torch.from_numpy(l1), persistent=False)

    def forward(self, image, features):
        x = features
        norm = self.m.norm
        if norm is not None:  # LayerNorm over channels, written on axis 1 (no transposes)
            mean = x.mean(dim=1, keepdim=True)
            centred = x - mean
            var = centred.square().mean(dim=1, keepdim=True)
            x = centred / torch.sqrt(var + norm.eps) * norm.weight.reshape(1, -1, 1, 1) + norm.bias.reshape(1, -1, 1, 1)
        stack = self.m.upsampler
        size = self.h
        for step in (stack.up1, stack.up2, stack.up3, stack.up4):
            size *= 2
            x = self._step(step, x, _avg_pool(image, size, size), size)
        conv = stack.fixup_proj[1]
        x = F.conv2d(x, conv.weight, conv.bias) * 0.1 + x
        if self.o != self.native:
            x = self._bilinear(x)
        return x

    def _step(self, step, source, guidance, n):
        r, d = RADIUS, DIAMETER
        t = self.tile[n]
        p = step.range_proj[3](step.range_proj[1](step.range_proj[0](guidance)))  # dropout: identity in eval
        # range logits: each pixel's projection against its 7x7 neighbours', tile by tile
        windows = self._windows(F.pad(p, [r] * 4, mode="reflect"), n, t)  # [N, 32, (t+6)^2]
        logits = _unband(torch.matmul(_tiles(p, n, t), windows), t)  # [N, t*t, 49]
        logits = _untile(logits.transpose(1, 2), n, t)  # [B, 49, n, n]
        temp = step.range_temp.exp().clamp_min(1e-4).clamp_max(1e4)
        z = temp * logits
        # softmax over axis 1 written out (ONNX Runtime transposes for a Softmax on a non-last axis)
        e = torch.exp(z - z.amax(dim=1, keepdim=True))
        k = (e / e.sum(dim=1, keepdim=True)) * torch.exp(-self.dist2 / (2 * step.sigma_spatial ** 2))
        k = k / k.sum(1, keepdim=True).clamp(1e-7)
        f = step.fixup_proj
        k = k + 0.1 * f[3](f[1](f[0](torch.cat([k, guidance], dim=1))))
        # the adaptive convolution: per tile, [C, (t+6)^2] window x [(t+6)^2, t*t] banded kernel matrix
        band = _band(_tiles(k, n, t).reshape(-1, t, t, d, d), t)  # [N, t*t, (t+6)^2]
        hr = self._windows(F.pad(self._bicubic2x(source), [r] * 4, mode="reflect"), n, t)  # [N, C, (t+6)^2]
        return _untile(torch.matmul(hr, band.transpose(1, 2)), n, t)

    def _windows(self, padded, n, t):
        """[B, ch, n+6, n+6] -> [N, ch, (t+6)^2]: each tile's (t+6) x (t+6) input window (two constant gathers)."""
        idx = getattr(self, "win%d" % n)
        ch, tiles, w = int(padded.shape[1]), n // t, t + 2 * RADIUS
        x = padded.index_select(2, idx).index_select(3, idx).reshape(-1, ch, tiles, w, tiles, w)
        return x.permute(0, 2, 4, 1, 3, 5).reshape(-1, ch, w * w)

    def _bicubic2x(self, x):
        c, h = self.c, int(x.shape[-1])
        y = x.reshape(-1, 1, h, h)
        # columns: edge-pad 2, one conv giving both parities, interleave them
        y = F.conv2d(F.pad(y, [2, 2, 0, 0], mode="replicate"), self.taps.reshape(2, 1, 1, 5))  # [N, 2, h, h]
        y = y.permute(0, 2, 3, 1).reshape(-1, 1, h, 2 * h)
        # rows
        y = F.conv2d(F.pad(y, [0, 0, 2, 2], mode="replicate"), self.taps.reshape(2, 1, 5, 1))  # [N, 2, h, 2h]
        y = y.permute(0, 2, 1, 3).reshape(-1, c, 2 * h, 2 * h)
        return y

    def _bilinear(self, x):
        # rows then columns, each a lerp of two gathered lines; torch interpolates both axes at once
        # (h0 (w0 x00 + w1 x01) + h1 (w0 x10 + w1 x11)): the same products, summed in another order
        cols = (x.index_select(3, self.lin_i0) * self.lin_l0 + x.index_select(3, self.lin_i1) * self.lin_l1)
        lr0, lr1 = self.lin_l0.reshape(-1, 1), self.lin_l1.reshape(-1, 1)
        return cols.index_select(2, self.lin_i0) * lr0 + cols.index_select(2, self.lin_i1) * lr1


def _tiles(x, n, t):
    """[B, ch, n, n] -> [N, t*t, ch]: pixels by tile (N = B * (n/t)^2), row-major inside a tile."""
    ch, q = int(x.shape[1]), n // t
    return x.reshape(-1, ch, q, t, q, t).permute(0, 2, 4, 3, 5, 1).reshape(-1, t * t, ch)


def _untile(x, n, t):
    """[N, ch, t*t] -> [B, ch, n, n]: the inverse of :func:`_tiles` (channels already in front)."""
    ch, q = int(x.shape[1]), n // t
    return x.reshape(-1, q, q, ch, t, t).permute(0, 3, 1, 4, 2, 5).reshape(-1, ch, n, n)


def _band(k, t):
    """[N, t, t, d, d] per-pixel kernels (a, b: pixel in the tile; i, j: offset) -> [N, t*t, (t+d-1)^2] with
    m[a, b, a+i, b+j] = k[a, b, i, j] and zeros elsewhere, by the skew trick (pad each row, flatten, drop the tail,
    reshape: row q lands shifted by q), first along the columns, then along the rows. Reshapes, pads and slices
    only: the values are copied, not computed."""
    d = int(k.shape[-1])
    w = t + d - 1
    # columns: [N, a, i, b, j] -> [N, a, i, b, c] with c = b + j
    x = F.pad(k.permute(0, 1, 3, 2, 4), [0, t]).reshape(-1, t, d, t * (t + d))[..., :t * w].reshape(-1, t, d, t * w)
    # rows: [N, a, i, (b, c)] -> [N, a, r, (b, c)] with r = a + i
    u = t * w
    x = F.pad(x, [0, 0, 0, t]).reshape(-1, t * (t + d) * u)[..., :t * w * u].reshape(-1, t, w, t, w)
    return x.permute(0, 1, 3, 2, 4).reshape(-1, t * t, w * w)


def _unband(m, t, d=DIAMETER):
    """[N, t*t, (t+d-1)^2] -> [N, t*t, d*d]: the band of :func:`_band` read back (the skew undone)."""
    w = t + d - 1
    u = t * w
    x = m.reshape(-1, t, t, w, w).permute(0, 1, 3, 2, 4).reshape(-1, t * w * u)
    x = F.pad(x, [0, t * u]).reshape(-1, t, t + d, u)[:, :, :d].reshape(-1, t, d, t, w)  # [N, a, i, b, c]
    x = F.pad(x.reshape(-1, t, d, t * w), [0, t]).reshape(-1, t, d, t, t + d)[..., :d]  # [N, a, i, b, j]
    return x.permute(0, 1, 3, 2, 4).reshape(-1, t * t, d * d)


def macs(input_size, feature_size, channels):
    """Useful multiply-accumulates per image by stage (upstream's arithmetic; norms and activations not counted). The
    graph's tiled adaptive convolution and range logits multiply (t+6)^2 / 49 times as many (4x at tiles of 8),
    the extra products being with the band's zeros."""
    h, c, d2 = feature_size, channels, DIAMETER * DIAMETER
    px = sum((h * 2 ** (k + 1)) ** 2 for k in range(STEPS))  # guidance pixels over the four steps
    return {
        "adaptive convolution (49 taps x C)": px * d2 * c,
        "bicubic 2x (C)": sum((h * 2 ** k) ** 2 * 2 * 5 * 2 * c for k in range(STEPS)),
        "range projections and logits": px * (3 * KEY_DIM + KEY_DIM * KEY_DIM + d2 * KEY_DIM),
        "kernel fix-up convs": px * (52 * d2 + d2 * d2),
        "final fix-up conv (C x C)": (h * 2 ** STEPS) ** 2 * c * c,
    }
