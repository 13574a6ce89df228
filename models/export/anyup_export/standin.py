"""Stand-in models for the default bundle.

* ``FilterBankEncoder`` ("filterbank-p14"): a FIXED, hand-designed filter bank (no training, no random weights).
  Per-pixel colour / gradient / Gabor / DoG / texture responses, average-pooled to 14x14 patches (like a ViT-S/14
  grid), standardised with fixed constants. Its features follow colour and edges, not semantics.
* ``AttentionUpsamplerStandin`` ("anyup-standin"): AnyUp's contract (``image`` [B,3,S,S] + ``features``
  [B,C,S/14,S/14] -> ``upsampled`` [B,C,S,S]) with AnyUp's structure in miniature: every output pixel attends over
  the 3x3 window of low-res feature cells around it; queries come from a small conv on the full-res image, keys from
  pooled image encodings plus a projection of the features, values are the features themselves; a relative-position
  bias and a border mask (shape-dependent, hence one graph per resolution). Weights are random (fixed seed).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
PATCH = 14

# Channel layout of FilterBankEncoder (documented in the README and the manifest description).
FEATURE_NAMES = (
    ["r", "g", "b", "opp_rg", "opp_yb", "luma", "chroma"]
    + ["sobel_abs_%d" % a for a in (0, 45, 90, 135)]
    + ["sobel_coarse_abs_%d" % a for a in (0, 45, 90, 135)]
    + ["gabor_energy_%d" % a for a in (0, 45, 90, 135)]
    + ["grad_opp_rg", "grad_opp_yb"]
    + ["dog_1_2", "dog_2_4", "dog_4_8", "dog_abs_1_2", "dog_abs_2_4", "dog_abs_4_8"]
    + ["log_abs_1", "luma_std", "chroma_std", "structure_xy", "context_luma_8"]
)
assert len(FEATURE_NAMES) == 32

# Fixed standardisation constants: per-channel mean / std of the (unstandardised) patch features of the demo sample
# images (topology/src/main/resources/samples) at 224, measured once with `python3 -m anyup_export calibrate` and
# rounded to 4 significant digits. They are constants of the model now (changing them changes the encoder).
FEATURE_SHIFT = [0.4907, 0.4141, 0.3897, 0.07656, 0.06273, 0.4342, 0.1238, 0.02068, 0.01993, 0.018, 0.0204, 0.01012,
                 0.009643, 0.008824, 0.009919, 0.01268, 0.0101, 0.01027, 0.01046, 0.006365, 0.007162, 4.419e-06,
                 3.679e-05, 0.000129, 0.01596, 0.02072, 0.02566, 0.01803, 0.08048, 0.0238, 0.0009576, 0.4341]
FEATURE_SCALE = [0.2661, 0.242, 0.2463, 0.1488, 0.131, 0.2385, 0.1849, 0.02009, 0.0184, 0.01769, 0.01886, 0.01192,
                 0.01075, 0.01003, 0.01093, 0.01382, 0.01025, 0.01072, 0.01056, 0.009379, 0.01011, 0.004491, 0.0125,
                 0.02883, 0.01498, 0.02126, 0.0276, 0.01644, 0.08275, 0.04299, 0.001564, 0.2224]


def _gauss1d(sigma):
    r = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).float()


class _SepBlur(nn.Module):
    """Separable Gaussian blur with edge (replicate) padding, depthwise over ``channels``."""

    def __init__(self, sigma, channels):
        super().__init__()
        k = _gauss1d(sigma)
        self.r = (k.numel() - 1) // 2
        self.channels = channels
        self.register_buffer("kh", k.view(1, 1, 1, -1).repeat(channels, 1, 1, 1))
        self.register_buffer("kv", k.view(1, 1, -1, 1).repeat(channels, 1, 1, 1))

    def forward(self, x):
        x = F.pad(x, (self.r, self.r, 0, 0), mode="replicate")
        x = F.conv2d(x, self.kh, groups=self.channels)
        x = F.pad(x, (0, 0, self.r, self.r), mode="replicate")
        return F.conv2d(x, self.kv, groups=self.channels)


def _sobel_bank():
    sx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
    sy = sx.t().contiguous()
    ks = []
    for a in (0, 45, 90, 135):
        t = math.radians(a)
        ks.append(math.cos(t) * sx + math.sin(t) * sy)
    return torch.stack(ks).unsqueeze(1)  # [4,1,3,3]


def _gabor_bank(wavelength=6.0, sigma=2.5, size=11):
    r = size // 2
    y, x = torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0), indexing="ij")
    env = torch.exp(-(x ** 2 + y ** 2) / (2 * sigma ** 2))
    ks = []
    for a in (0, 45, 90, 135):
        t = math.radians(a)
        u = x * math.cos(t) + y * math.sin(t)
        even = env * torch.cos(2 * math.pi * u / wavelength)
        even = even - even.mean()
        odd = env * torch.sin(2 * math.pi * u / wavelength)
        norm = env.sum()
        ks += [even / norm, odd / norm]
    return torch.stack(ks).unsqueeze(1)  # [8,1,size,size] (even, odd) x 4 orientations


class FilterBankEncoder(nn.Module):
    """Fixed filter-bank patch encoder: image [B,3,S,S] (normalised) -> (patch_features [B,32,S/14,S/14], cls [B,32])."""

    channels = 32
    patch_size = PATCH

    def __init__(self, shift=None, scale=None):
        super().__init__()
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))
        self.register_buffer("sobel", _sobel_bank())
        self.register_buffer("gabor", _gabor_bank())
        lap = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
        self.register_buffer("lap", lap)
        self.blur1 = _SepBlur(1.0, 1)
        self.blur2 = _SepBlur(2.0, 1)
        self.blur4 = _SepBlur(4.0, 1)
        self.blur8 = _SepBlur(8.0, 1)
        shift = FEATURE_SHIFT if shift is None else shift
        scale = FEATURE_SCALE if scale is None else scale
        self.register_buffer("shift", torch.tensor(shift if shift is not None else [0.0] * 32).view(1, 32, 1, 1))
        self.register_buffer("scale", torch.tensor(scale if scale is not None else [1.0] * 32).view(1, 32, 1, 1))

    @staticmethod
    def _pad1(x, r=1):
        return F.pad(x, (r, r, r, r), mode="replicate")

    def pixel_maps(self, image):
        rgb = image * self.std + self.mean  # back to 0..1
        r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
        luma = 0.299 * r + 0.587 * g + 0.114 * b
        opp_rg = r - g
        opp_yb = 0.5 * (r + g) - b
        chroma = torch.sqrt(opp_rg * opp_rg + opp_yb * opp_yb + 1e-6)
        sob = F.conv2d(self._pad1(luma), self.sobel)  # [B,4]
        l2 = self.blur2(luma)
        sob_c = F.conv2d(self._pad1(l2), self.sobel)
        gab = F.conv2d(self._pad1(luma, 5), self.gabor)  # [B,8]
        gab = gab * gab
        gab_e = torch.sqrt(gab[:, 0::2] + gab[:, 1::2] + 1e-6)
        opp = torch.cat([opp_rg, opp_yb], 1)
        gopp = F.conv2d(self._pad1(opp), torch.cat([self.sobel[0:1], self.sobel[2:3]], 0).repeat(2, 1, 1, 1), groups=2)
        gopp = gopp * gopp
        grad_opp = torch.sqrt(torch.cat([gopp[:, 0:1] + gopp[:, 1:2], gopp[:, 2:3] + gopp[:, 3:4]], 1) + 1e-6)
        l1 = self.blur1(luma)
        l4 = self.blur4(luma)
        l8 = self.blur8(luma)
        dog = torch.cat([l1 - l2, l2 - l4, l4 - l8], 1)
        log1 = F.conv2d(self._pad1(l1), self.lap).abs()
        structure = (sob[:, 0:1] * sob[:, 2:3]).abs()
        maps = torch.cat([
            rgb, opp_rg, opp_yb, luma, chroma,  # 0-6
            sob.abs(), sob_c.abs(), gab_e, grad_opp,  # 7-20
            dog, dog.abs(), log1,  # 21-27
            luma * luma, chroma * chroma,  # 28-29 -> std after pooling
            structure, l8,  # 30-31
        ], 1)
        return maps

    def forward(self, image):
        maps = self.pixel_maps(image)
        pooled = F.avg_pool2d(maps, PATCH, PATCH)
        # Patch std of luma / chroma: sqrt(E[x^2] - E[x]^2).
        luma_std = torch.sqrt(torch.clamp(pooled[:, 28:29] - pooled[:, 5:6] * pooled[:, 5:6], min=0.0) + 1e-6)
        chroma_std = torch.sqrt(torch.clamp(pooled[:, 29:30] - pooled[:, 6:7] * pooled[:, 6:7], min=0.0) + 1e-6)
        feats = torch.cat([pooled[:, :28], luma_std, chroma_std, pooled[:, 30:]], 1)
        feats = (feats - self.shift) / self.scale
        cls = feats.mean(dim=(2, 3))
        return feats, cls


class AttentionUpsamplerStandin(nn.Module):
    """AnyUp-contract windowed attention upsampler with random fixed-seed weights, fixed to one resolution profile."""

    def __init__(self, input_size, channels=32, patch=PATCH, dim=16, window=3, seed=0, temperature=0.5):
        super().__init__()
        if input_size % patch:
            raise ValueError("input size %d is not a multiple of the patch size %d" % (input_size, patch))
        self.s = input_size
        self.p = patch
        self.h = input_size // patch
        self.c = channels
        self.d = dim
        self.win = window
        gen = torch.Generator().manual_seed(seed)

        def rnd(*shape, scale):
            return (torch.randn(*shape, generator=gen) * scale).float()

        # Pixel encoder phi: 3x3 conv 3->16, GELU-free (ReLU) 1x1 16->dim. Shared by queries (per pixel) and keys
        # (phi averaged over each cell), so q.k compares a pixel with its neighbouring cells' appearance.
        self.w1 = nn.Parameter(rnd(16, 3, 3, 3, scale=1.0 / math.sqrt(27)), requires_grad=False)
        self.b1 = nn.Parameter(rnd(16, scale=0.1), requires_grad=False)
        self.w2 = nn.Parameter(rnd(dim, 16, 1, 1, scale=1.0 / math.sqrt(16)), requires_grad=False)
        # Feature projection into key space (small, so appearance dominates).
        self.wf = nn.Parameter(rnd(dim, channels, 1, 1, scale=0.1 / math.sqrt(channels)), requires_grad=False)
        self.tau = temperature
        # Relative-position bias: -alpha * distance (in cells) between the pixel and the neighbour cell's centre.
        p, k = patch, window
        yy = (torch.arange(p, dtype=torch.float32) + 0.5) / p - 0.5  # pixel offset within its cell, in cells
        offs = torch.arange(k, dtype=torch.float32) - (k // 2)
        dy = yy.view(p, 1, 1, 1) - offs.view(1, 1, k, 1)
        dx = yy.view(1, p, 1, 1) - offs.view(1, 1, 1, k)
        dist = torch.sqrt(dy * dy + dx * dx).reshape(p * p, k * k)  # [196, 9]
        self.register_buffer("pos_bias", -2.0 * dist)
        # Border mask: neighbours outside the feature grid are excluded (shape dependent).
        h = self.h
        ci = torch.arange(h).view(h, 1) + offs.view(1, k)  # [h, k]
        valid_y = (ci >= 0) & (ci < h)
        valid = valid_y.view(h, 1, k, 1) & valid_y.view(1, h, 1, k)  # [h, w, ky, kx]
        mask = torch.where(valid, torch.zeros(()), torch.full((), -1e4)).reshape(h, h, 1, k * k)
        self.register_buffer("mask", mask)

    def forward(self, image, features):
        s, p, h, c, d, k2 = self.s, self.p, self.h, self.c, self.d, self.win * self.win
        phi = F.conv2d(F.pad(image, (1, 1, 1, 1), mode="replicate"), self.w1, self.b1)
        phi = F.conv2d(F.relu(phi), self.w2)  # [B,d,S,S]
        keys = F.avg_pool2d(phi, p, p) + F.conv2d(features, self.wf)  # [B,d,h,h]
        kn = (keys * keys).sum(1, keepdim=True)  # |k|^2 [B,1,h,h]
        r = self.win // 2
        kw = F.unfold(keys, self.win, padding=r).reshape(-1, d, k2, h, h)
        knw = F.unfold(kn, self.win, padding=r).reshape(-1, 1, k2, h, h)
        vw = F.unfold(features, self.win, padding=r).reshape(-1, c, k2, h, h)
        # Queries in cell-blocked layout: [B,h,w,p*p,d].
        q = phi.reshape(-1, d, h, p, h, p).permute(0, 2, 4, 3, 5, 1).reshape(-1, h, h, p * p, d)
        kt = kw.permute(0, 3, 4, 1, 2)  # [B,h,w,d,k2]
        # -|q-k|^2 up to a per-query constant: 2 q.k - |k|^2.
        logits = 2.0 * torch.matmul(q, kt) - knw.permute(0, 3, 4, 1, 2)  # [B,h,w,p*p,k2]
        logits = logits * (1.0 / (self.tau * d)) + self.pos_bias + self.mask
        attn = torch.softmax(logits, dim=-1)
        vt = vw.permute(0, 3, 4, 2, 1)  # [B,h,w,k2,c]
        out = torch.matmul(attn, vt)  # [B,h,w,p*p,c]
        out = out.reshape(-1, h, h, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(-1, c, s, s)
        return out
