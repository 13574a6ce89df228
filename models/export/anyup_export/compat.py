"""What the upstream model code needs from torch and Debian's torch 1.13 lacks, provided from plain ops.

* ``nn.RMSNorm`` (torch 2.4+), used by AnyUp's cross-attention: ``y = x / sqrt(mean(x^2 over the normalised dims) +
  eps) * weight`` with torch's default ``eps = finfo(x.dtype).eps`` when ``eps`` is None.
* ``F.scaled_dot_product_attention`` (torch 2.0+), used by DINOv2's ``Attention``: ``softmax(q k^T * scale + mask)
  v`` with ``scale = 1/sqrt(d)`` by default; dropout is refused (export runs in eval mode).

:func:`install` adds only what is missing and returns the names it added, so the tool can say so; on a torch that has
both it adds nothing. Both are written with ops that ``torch.onnx.export`` (opset 17) supports.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    """torch.nn.RMSNorm's semantics (normalised_shape, eps, elementwise_affine) for torch < 2.4."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)


def rms_norm(x, normalized_shape, weight, eps):
    dims = tuple(range(-len(normalized_shape), 0))
    eps = torch.finfo(x.dtype).eps if eps is None else eps
    y = x * torch.rsqrt(x.pow(2).mean(dim=dims, keepdim=True) + eps)
    return y if weight is None else y * weight


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    if dropout_p:
        raise ValueError("scaled_dot_product_attention shim: dropout_p must be 0 (export runs in eval mode), "
                         "got %r" % dropout_p)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    logits = torch.matmul(query * scale, key.transpose(-2, -1))
    if is_causal:
        n, m = query.shape[-2], key.shape[-2]
        causal = torch.ones(n, m, dtype=torch.bool, device=query.device).tril()
        logits = logits.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        logits = logits.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else logits + attn_mask
    return torch.matmul(torch.softmax(logits, dim=-1), value)


def install():
    """Adds the missing pieces to ``torch.nn`` / ``torch.nn.functional``; returns what it added (empty if none)."""
    added = []
    if not hasattr(nn, "RMSNorm"):
        nn.RMSNorm = RMSNorm
        added.append("torch.nn.RMSNorm")
    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = scaled_dot_product_attention
        added.append("torch.nn.functional.scaled_dot_product_attention")
    return added
