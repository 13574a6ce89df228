#!/usr/bin/env python3
"""Writes the fixtures of the Java concepts exactness test (ConceptSetNumpyTest) from the default bundle's reference.

Concepts are defined with NumPy (float64) on ``ref/ref_224_upsampled.npy`` as the app defines them: a prototype is
the mean of the L2-normalised feature vectors under an example region (here: four seeded boxes, one concept with two
prototypes), and a pixel takes the concept of its most similar prototype (cosine) when that similarity reaches the
concept's threshold, else 0 ("unknown"). The fixtures are

- ``regions.png``: the example regions, 8-bit grey, value i+1 under region i (0 elsewhere);
- ``prototypes.npy``: the prototypes NumPy computed, float32 ``[P, C]`` (P = 5);
- ``labels.png``: NumPy's labels (8-bit grey), 255 where the best two prototypes' similarities are within ``TIE`` or
  the best similarity is within ``TIE`` of its concept's threshold (those pixels may go either way in float32 and are
  not compared).

Concept i (label i+1) uses prototypes PROTOTYPES_OF[i] and threshold THRESHOLDS[i] (kept in the Java test too).

Run from the repository root:  /usr/bin/python3 models/export/tools/concept_fixtures.py
"""

import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUNDLE = os.path.join(REPO, "models", "src", "main", "resources", "dev", "anyup", "streams", "models", "default-bundle")
OUT = os.path.join(REPO, "models", "src", "test", "resources", "dev", "anyup", "streams", "models", "concept-fixture")
SEED = 23
BOXES = 4
PROTOTYPES_OF = [[0], [1, 2], [3]]
THRESHOLDS = [0.8, 0.75, 0.9]
TIE = 1e-5
NEAR_TIE = 255


def main():
    feats = np.load(os.path.join(BUNDLE, "ref", "ref_224_upsampled.npy"))[0].astype(np.float64)  # [C, H, W]
    c, h, w = feats.shape
    rng = np.random.default_rng(SEED)
    regions = np.zeros((h, w), dtype=np.uint8)
    for i in range(BOXES):
        bw, bh = rng.integers(12, 40, size=2)
        x0, y0 = rng.integers(0, w - bw), rng.integers(0, h - bh)
        regions[y0:y0 + bh, x0:x0 + bw] = i + 1
    norms = np.sqrt((feats ** 2).sum(axis=0))
    unit = feats / np.where(norms == 0, 1, norms)
    protos = []
    for i in range(BOXES):
        mask = (regions == i + 1) & (norms > 0)
        protos.append(unit[:, mask].mean(axis=1))
    protos = np.stack(protos).astype(np.float32)
    pu = protos.astype(np.float64)
    pu = pu / np.sqrt((pu ** 2).sum(axis=1, keepdims=True))
    sims = np.einsum("pc,chw->phw", pu, unit)  # [P, H, W] cosine
    owner = np.array([k + 1 for k, ps in enumerate(PROTOTYPES_OF) for _ in ps])
    order = [p for ps in PROTOTYPES_OF for p in ps]
    sims = sims[order]
    best = np.argmax(sims, axis=0)  # first prototype on ties, as ConceptSet
    best_sim = np.take_along_axis(sims, best[None], axis=0)[0]
    top2 = np.sort(sims, axis=0)[-2:]
    label = owner[best]
    thr = np.array(THRESHOLDS)[label - 1]
    labels = np.where(best_sim >= thr, label, 0).astype(np.uint8)
    near = ((top2[1] - top2[0]) <= TIE) | (np.abs(best_sim - thr) <= TIE)
    labels[near] = NEAR_TIE
    os.makedirs(OUT, exist_ok=True)
    Image.fromarray(regions, mode="L").save(os.path.join(OUT, "regions.png"))
    Image.fromarray(labels, mode="L").save(os.path.join(OUT, "labels.png"))
    np.save(os.path.join(OUT, "prototypes.npy"), protos)
    counts = np.bincount(labels.ravel(), minlength=256)
    print("labels per class", {k: int(v) for k, v in enumerate(counts) if v}, "near ties", int(near.sum()))


if __name__ == "__main__":
    main()
