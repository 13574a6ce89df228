"""Reference preprocessing (the semantics the Java Preprocessor must match; see CONTRACTS.md).

decode -> RGB uint8 -> float [1,3,H,W] in 0..1 -> resize with
``F.interpolate(mode="bilinear", align_corners=False, antialias=True)`` -> crop -> (x - mean) / std, CHW.

SHORTER_SIDE_CENTER_CROP follows torchvision ``Resize(S)`` + ``CenterCrop(S)``: the shorter side becomes S, the longer
side ``int(S * long / short)`` (truncated), then top = int(round((h - S) / 2.0)), left likewise.
SQUASH resizes straight to S x S (aspect ratio not kept).
"""

import numpy as np
import torch
import torch.nn.functional as F

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def decode_rgb(path):
    """Decode to RGB uint8 [H,W,3] with PIL, EXIF orientation applied (use opaque images: alpha is dropped)."""
    from PIL import Image, ImageOps
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def resized_size(h, w, size, mode):
    if mode == "SQUASH":
        return size, size
    if mode != "SHORTER_SIDE_CENTER_CROP":
        raise ValueError("unsupported mode %r" % mode)
    if w <= h:
        return int(size * h / w), size
    return size, int(size * w / h)


def preprocess(rgb, size, mode="SHORTER_SIDE_CENTER_CROP", mean=MEAN, std=STD):
    """rgb: uint8 [H,W,3]. Returns (chw float32 [3,S,S], info dict with resized (h,w) and crop offsets)."""
    h, w = rgb.shape[:2]
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).unsqueeze(0).float() / 255.0
    nh, nw = resized_size(h, w, size, mode)
    if (nh, nw) != (h, w):
        x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False, antialias=True)
    top = int(round((nh - size) / 2.0))
    left = int(round((nw - size) / 2.0))
    x = x[:, :, top:top + size, left:left + size]
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    x = (x - m) / s
    info = {"source_height": h, "source_width": w, "resized_height": nh, "resized_width": nw,
            "crop_top": top, "crop_left": left, "size": size, "mode": mode}
    return x[0].contiguous().numpy().astype(np.float32), info


def preprocess_file(path, size, mode="SHORTER_SIDE_CENTER_CROP"):
    return preprocess(decode_rgb(path), size, mode)
