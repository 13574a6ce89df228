#!/usr/bin/env python3
"""Writes the fixtures of the Java probe-head exactness test (ProbeHeadTest) from the default bundle's reference.

A seeded linear probe for the default bundle's channel count is applied with NumPy (float64) to
``ref/ref_224_upsampled.npy``; the fixtures are

- ``probe.json``: the probe in the app's format (written by anyup_export.probe, as ``convert-probe`` does),
- ``probe_weights.npy`` / ``probe_bias.npy``: the same float32 numbers, to check that the JSON round-trips exactly,
- ``labels.png``: NumPy's argmax per pixel (8-bit grey), 255 where the top two scores are within ``TIE`` (those pixels
  may go either way in float32 and are not compared),
- ``confidence_sub.npy``: NumPy's winning softmax probability at every ``STRIDE``-th pixel of every ``STRIDE``-th row
  (the full map would be 200 kB; the subsample checks the same maths at 1,024 pixels).

It also writes ``identity_opset{12,13,18}.onnx`` for GraphHeadTest: ``x [N, C, H, W]`` → ``Identity`` →
``upsampled``, the smallest graph a probe head can be appended to, at the opset the head refuses (12), the last with
``ReduceMax``'s axes as an attribute (13..17) and the first with them as an input (18); and
``tiny_upsampler_56_opset12.onnx``, the tiny test bundle's 56 px upsampler (Concat, Resize, Shape, Slice: the same
semantics at opset 12) declared at opset 12, for the test that labels fall back to Java where the graph refuses the
probe head.

Run from the repository root:  /usr/bin/python3 models/export/tools/probe_fixtures.py
"""

import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "models", "export"))

from anyup_export import probe as P  # noqa: E402

BUNDLE = os.path.join(REPO, "models", "src", "main", "resources", "dev", "anyup", "streams", "models", "default-bundle")
OUT = os.path.join(REPO, "models", "src", "test", "resources", "dev", "anyup", "streams", "models", "probe-fixture")
SEED = 19
CLASSES = ["sky", "fur", "grass", "stone", "shadow", "water", "wood"]
TIE = 1e-5
STRIDE = 7
NEAR_TIE = 255


def seeded_probe(channels, classes, seed):
    """Weights ~ N(0, 1/C) and biases ~ N(0, 0.1^2), float32, from ``seed``."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((classes, channels)) / np.sqrt(channels)).astype(np.float32)
    b = (0.1 * rng.standard_normal(classes)).astype(np.float32)
    return w, b


def numpy_labels(features, w, b):
    """``(labels [H, W], top-2 gap [H, W], confidence [H, W])`` for features ``[C, H, W]``, all in float64."""
    x = features.astype(np.float64)
    scores = np.einsum("kc,chw->khw", w.astype(np.float64), x) + b.astype(np.float64)[:, None, None]
    labels = np.argmax(scores, axis=0)  # first index on ties, as ONNX ArgMax and LinearProbe.label
    top2 = np.sort(scores, axis=0)[-2:]
    gap = top2[1] - top2[0]
    e = np.exp(scores - scores.max(axis=0, keepdims=True))
    confidence = 1.0 / e.sum(axis=0)
    return labels, gap, confidence


GRAPHS = os.path.join(REPO, "models", "src", "test", "resources", "dev", "anyup", "streams", "models", "onnx",
                      "probe-graphs")


def identity_model(opset):
    import onnx
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "c", "h", "w"])
    y = helper.make_tensor_value_info("upsampled", TensorProto.FLOAT, ["n", "c", "h", "w"])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["upsampled"], name="identity")], "identity", [x],
                              [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="probe_fixtures.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def main():
    up = np.load(os.path.join(BUNDLE, "ref", "ref_224_upsampled.npy"))[0]  # [C, H, W]
    c = up.shape[0]
    w, b = seeded_probe(c, len(CLASSES), SEED)
    labels, gap, confidence = numpy_labels(up, w, b)
    marked = labels.astype(np.uint8)
    near = gap <= TIE
    marked[near] = NEAR_TIE
    os.makedirs(OUT, exist_ok=True)
    P.write_probe(os.path.join(OUT, "probe.json"),
                  P.probe_document("fixture-seed%d" % SEED, "1", CLASSES, w, b))
    np.save(os.path.join(OUT, "probe_weights.npy"), w)
    np.save(os.path.join(OUT, "probe_bias.npy"), b)
    Image.fromarray(marked, mode="L").save(os.path.join(OUT, "labels.png"), optimize=True)
    np.save(os.path.join(OUT, "confidence_sub.npy"), confidence[::STRIDE, ::STRIDE].astype(np.float32))
    os.makedirs(GRAPHS, exist_ok=True)
    for opset in (12, 13, 18):
        with open(os.path.join(GRAPHS, "identity_opset%d.onnx" % opset), "wb") as f:
            f.write(identity_model(opset))
    import onnx
    tiny = onnx.load(os.path.join(GRAPHS, "..", "tiny-bundle", "upsampler_56.onnx"))
    assert {n.op_type for n in tiny.graph.node} <= {"Concat", "Resize", "Shape", "Slice"}
    # Resize's roi and scales inputs are optional only from opset 13 on: empty ones instead of none
    empty = onnx.helper.make_tensor("probe_fixtures.empty_roi", onnx.TensorProto.FLOAT, [0], [])
    tiny.graph.initializer.append(empty)
    for n in tiny.graph.node:
        for i in (1, 2):  # roi, and scales where sizes are given
            if n.op_type == "Resize" and len(n.input) > i and not n.input[i]:
                n.input[i] = empty.name
    for o in tiny.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = 12
    onnx.checker.check_model(tiny)
    with open(os.path.join(GRAPHS, "tiny_upsampler_56_opset12.onnx"), "wb") as f:
        f.write(tiny.SerializeToString())
    counts = np.bincount(labels.ravel(), minlength=len(CLASSES))
    print("wrote %s: %d channels, %d classes, counts %s, %d near-tie pixels, min gap %.3g"
          % (OUT, c, len(CLASSES), counts.tolist(), int(near.sum()), float(gap.min())))


if __name__ == "__main__":
    main()
