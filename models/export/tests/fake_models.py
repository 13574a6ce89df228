"""Offline stand-ins for the real models the export tool handles (used by the tests; no downloads)."""

import torch
import torch.nn.functional as F
from torch import nn


class TinyConvEncoder(nn.Module):
    """Returns a bare tensor [B,8,h,w] (no CLS)."""

    def __init__(self, channels=8, patch=14):
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv2d(3, channels, patch, patch)

    def forward(self, image):
        return torch.tanh(self.conv(image))


def tiny_conv_encoder(channels=8):
    return TinyConvEncoder(channels)


class FakeDinoV2(nn.Module):
    """Mimics DINOv2's interface: forward_features -> dict of normalised tokens; positional embedding stored for a
    native grid and resized with antialiased bicubic interpolation (which ONNX cannot export)."""

    def __init__(self, dim=12, patch=14, native_grid=4):
        super().__init__()
        torch.manual_seed(2)
        self.patch_size = patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + native_grid * native_grid, dim))
        self.mix = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.native_grid = native_grid

    def interpolate_pos_encoding(self, x, w, h):
        npatch = x.shape[1] - 1
        if npatch == self.native_grid ** 2 and w == h:
            return self.pos_embed
        cls_pe, patch_pe = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        g = self.native_grid
        patch_pe = patch_pe.reshape(1, g, g, -1).permute(0, 3, 1, 2)
        patch_pe = F.interpolate(patch_pe, size=(h // self.patch_size, w // self.patch_size), mode="bicubic",
                                 antialias=True, align_corners=False)
        patch_pe = patch_pe.permute(0, 2, 3, 1).reshape(1, -1, cls_pe.shape[-1])
        return torch.cat([cls_pe, patch_pe], 1)

    def forward_features(self, x, masks=None):
        b, _, h, w = x.shape
        t = self.patch_embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls_token.expand(b, -1, -1), t], 1)
        t = t + self.interpolate_pos_encoding(t, w, h)
        t = t + torch.relu(self.mix(t))
        t = self.norm(t)
        return {"x_norm_clstoken": t[:, 0], "x_norm_patchtokens": t[:, 1:], "x_prenorm": t, "masks": masks}

    def forward(self, x):
        return self.forward_features(x)["x_norm_clstoken"]


def fake_dinov2():
    return FakeDinoV2()


class FakeAnyUp(nn.Module):
    """AnyUp-like: forward(image, features, output_size=None); uses adaptive pooling (shape dependent)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.gate = nn.Conv2d(3, 1, 3, padding=1)

    def forward(self, image, features, output_size=None, vis_attn=False, q_chunk_size=None):
        size = output_size or image.shape[-2:]
        img = F.interpolate(image, size=size, mode="bilinear", align_corners=False)
        pooled = F.adaptive_avg_pool2d(img, features.shape[-2:])
        guide = F.interpolate(pooled, size=size, mode="nearest")
        up = F.interpolate(features, size=size, mode="bilinear", align_corners=False)
        return up * torch.sigmoid(self.gate(img - guide))


def fake_anyup():
    return FakeAnyUp()


def sized_upsampler(input_size, channels, feature_size):
    """A factory that wants the profile's shapes."""
    assert input_size == feature_size * 14
    return FakeAnyUp()


class SleepyEncoder(nn.Module):
    """An encoder whose first forward writes ``marker`` and then sleeps: lets a test signal an export mid-way."""

    def __init__(self, marker):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 14, 14)
        self.marker = marker

    def forward(self, image):
        import time
        with open(self.marker, "w") as f:
            f.write("started")
        time.sleep(120)
        return self.conv(image)


def sleepy_encoder(marker):
    return SleepyEncoder(marker)
