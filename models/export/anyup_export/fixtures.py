"""Preprocessing parity fixtures for the Java Preprocessor (models/src/test/resources/fixtures/preprocess).

Each case: a lossless source image (PNG, so every decoder yields the same RGB bytes) copied next to the expected
normalised CHW float32 tensor ``<name>_<mode>_<S>.npy`` [3,S,S], described in fixtures.json.
"""

import json
import os
import shutil

from .npyio import save_npy, sha256_file
from .preprocess import MEAN, STD, preprocess_file

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TEST_IMAGES = os.path.join(REPO, "models", "src", "test", "resources", "images")

# (source file, mode, size)
CASES = [
    ("chelsea.png", "SHORTER_SIDE_CENTER_CROP", 224),  # landscape 451x300, odd width
    ("coffee.png", "SHORTER_SIDE_CENTER_CROP", 224),  # landscape 480x320 (exact 1.5 ratio)
    ("astronaut_portrait.png", "SHORTER_SIDE_CENTER_CROP", 224),  # portrait 340x512 -> 224x337: crop top = round(56.5) = 56 (Python rounds half to even)
    ("chelsea.png", "SHORTER_SIDE_CENTER_CROP", 448),  # upscaling 300 -> 448; crop left = round(112.5) = 112 (half to even)
    ("coffee.png", "SQUASH", 224),  # aspect ratio not kept
]

README = """# Preprocessing parity fixtures

Expected output of the preprocessing step (CONTRACTS.md: decode to RGB uint8, float in 0..1, bilinear resize with
antialias, crop, `(x - mean) / std`, layout CHW), computed with PyTorch, for the Java `Preprocessor` parity tests
(tolerance 1e-2 per value; the Python and Java resamplers should in practice agree to ~1e-5).

Made by (from the repository root):

    cd models/export && /usr/bin/python3 -m anyup_export fixtures ../src/test/resources/fixtures/preprocess

Semantics (`anyup_export/preprocess.py`):
- decode with PIL, `ImageOps.exif_transpose`, `convert("RGB")` -> uint8 [H,W,3] -> float [1,3,H,W] / 255;
- `SHORTER_SIDE_CENTER_CROP`: like torchvision `Resize(S)` + `CenterCrop(S)`: the shorter side becomes S, the longer
  `int(S * long / short)` (truncated); resize with
  `torch.nn.functional.interpolate(x, (h, w), mode="bilinear", align_corners=False, antialias=True)`
  (torch %s); crop `top = int(round((h - S) / 2.0))`, `left = int(round((w - S) / 2.0))`;
  note: Python's `round` rounds half to EVEN (torchvision's behaviour): `astronaut_portrait` at 224 is resized to
  224x337, top = round(56.5) = 56; `chelsea` at 448 is resized to 673x448, left = round(112.5) = 112. Java's
  `Math.round` would give 57 / 113: use `Math.rint`;
- `SQUASH`: the same interpolate straight to (S, S), no crop;
- normalise with mean %s, std %s.

Every `.npy` is little-endian float32 (`<f4`), C order, shape [3,S,S]. `fixtures.json` lists, per case: `file`,
`source` (the image next to it, byte-identical to `models/src/test/resources/images/<source>`), `source_sha256`,
`mode`, `size`, `source_width`/`source_height`, `resized_width`/`resized_height` (before the crop), `crop_left`/
`crop_top` (in resized pixels), `mean`, `std`, `dtype`, `shape`. Sources are lossless PNGs so that decoders cannot
differ (JPEG IDCT/chroma upsampling differences between libjpeg and ImageIO would exceed the tolerance).
"""


def write_fixtures(out_dir, images_dir=None, log=print):
    import torch
    images_dir = images_dir or TEST_IMAGES
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for src, mode, size in CASES:
        src_path = os.path.join(images_dir, src)
        dst = os.path.join(out_dir, src)
        if os.path.abspath(src_path) != os.path.abspath(dst):
            shutil.copyfile(src_path, dst)
        chw, info = preprocess_file(dst, size, mode)
        name = "%s_%s_%d.npy" % (os.path.splitext(src)[0], mode, size)
        save_npy(os.path.join(out_dir, name), chw, "<f4")
        entry = {"file": name, "source": src, "source_sha256": sha256_file(dst), "mode": mode, "size": size,
                 "source_width": info["source_width"], "source_height": info["source_height"],
                 "resized_width": info["resized_width"], "resized_height": info["resized_height"],
                 "crop_left": info["crop_left"], "crop_top": info["crop_top"],
                 "mean": list(MEAN), "std": list(STD), "dtype": "<f4", "shape": [3, size, size]}
        entries.append(entry)
        log("%-55s resized %dx%d crop (%d,%d)" % (name, info["resized_width"], info["resized_height"],
                                                  info["crop_left"], info["crop_top"]))
    doc = {"description": "preprocessing parity fixtures (see README.md)", "interpolation": "bilinear-antialias",
           "torch": torch.__version__, "fixtures": entries}
    with open(os.path.join(out_dir, "fixtures.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(README % (torch.__version__, list(MEAN), list(STD)))
    return entries
