"""`convert-probe`: a PyTorch linear probe (``Conv2d(C, K, 1)`` or ``Linear(C, K)``) to the app's probe JSON.

The JSON is the format that ``models/.../segmentation/ProbeFile.java`` reads::

    {"format": "anyup-streams-probe", "format_version": 1, "name": ..., "version": ...,
     "channels": C, "classes": [K names], "weights": [K rows of C numbers], "bias": [K numbers],
     "encoder_sha256": "..."}            # optional

Every number is a float32 value written as the shortest decimal that reads back as that value (Python's ``repr`` of
the float32 widened to a double): Java reads it as a double and rounds to float, which gives the same bits. Weights
stored as float64/float16/bfloat16 are rounded to float32 once, here.

Strict by design: a state dict without the weight or bias, a weight that is neither ``[K, C, 1, 1]`` nor ``[K, C]``,
a bias that is not ``[K]``, a class list that does not name exactly K classes, a non-finite number, all fail with a
message that names the key, shape or count.
"""

import json
import math
import os

import numpy as np

FORMAT = "anyup-streams-probe"
FORMAT_VERSION = 1
NESTED_KEYS = ("state_dict", "model", "model_state_dict", "module")


class ProbeError(Exception):
    """A probe that cannot be converted; the message names what is wrong."""


def _is_tensor_dict(obj):
    import torch
    return isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values())


def load_state_dict(path, key=None):
    """The state dict in ``path``: the ``torch.save``d dict itself, ``obj[key]`` when ``key`` is given, or the one
    nested state dict under a usual key (``state_dict``, ``model``, ...) of a checkpoint."""
    import torch
    if not os.path.isfile(path):
        raise ProbeError("state dict file %s does not exist" % path)
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # torch before 1.13: no weights_only
            obj = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 (torch raises many kinds)
        raise ProbeError("%s is not a torch.save'd file: %s" % (path, e)) from e
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise ProbeError("%s has no key %r; its keys are %s" % (path, key, sorted(obj) if isinstance(obj, dict)
                                                                     else type(obj).__name__))
        obj = obj[key]
    elif isinstance(obj, dict) and not _is_tensor_dict(obj):
        nested = [k for k in NESTED_KEYS if _is_tensor_dict(obj.get(k))]
        if len(nested) == 1:
            obj = obj[nested[0]]
    if not isinstance(obj, dict):
        raise ProbeError("%s holds a %s, not a state dict (a dict of tensors)" % (path, type(obj).__name__))
    return obj


def probe_arrays(state_dict, prefix=""):
    """``(weights [K, C] float32, bias [K] float32)`` from ``<prefix>weight`` and ``<prefix>bias``."""
    import torch
    w_key, b_key = prefix + "weight", prefix + "bias"
    missing = [k for k in (w_key, b_key) if k not in state_dict]
    if missing:
        near = sorted(k for k in state_dict if k.endswith("weight") or k.endswith("bias"))
        raise ProbeError("the state dict has no %s (prefix %r); weight/bias keys it has: %s"
                         % (" or ".join(repr(k) for k in missing), prefix, near[:20]))
    w, b = state_dict[w_key], state_dict[b_key]
    for k, t in ((w_key, w), (b_key, b)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise ProbeError("%r must be a floating-point tensor, was %s" % (k, getattr(t, "dtype", type(t).__name__)))
    shape = tuple(w.shape)
    if len(shape) == 4 and shape[2:] == (1, 1):
        w = w.reshape(shape[0], shape[1])
    elif len(shape) != 2:
        raise ProbeError("%r has shape %s: a probe needs Conv2d(C, K, 1) [K, C, 1, 1] or Linear(C, K) [K, C]"
                         % (w_key, list(shape)))
    k, c = w.shape
    if tuple(b.shape) != (k,):
        raise ProbeError("%r has shape %s, the weight %s needs [%d]" % (b_key, list(b.shape), list(shape), k))
    weights = w.detach().to(torch.float32).cpu().numpy()
    bias = b.detach().to(torch.float32).cpu().numpy()
    for name, a in ((w_key, weights), (b_key, bias)):
        bad = np.argwhere(~np.isfinite(a))
        if bad.size:
            raise ProbeError("%r holds a non-finite value at %s" % (name, bad[0].tolist()))
    return weights, bias


def read_classes(classes=None, classes_file=None):
    """Class names from ``--classes a,b,c`` or a text file (one per line; blank lines at the end are ignored)."""
    if (classes is None) == (classes_file is None):
        raise ProbeError("give the class names either as --classes a,b,c or as --classes-file FILE (one per line)")
    if classes_file is not None:
        with open(classes_file, encoding="utf-8") as f:
            names = [line.rstrip("\r\n") for line in f]
        while names and not names[-1].strip():
            names.pop()
        where = classes_file
    else:
        names = classes.split(",")
        where = "--classes"
    names = [n.strip() for n in names]
    for i, n in enumerate(names):
        if not n:
            raise ProbeError("class %d in %s is blank" % (i, where))
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ProbeError("class names in %s repeat: %s" % (where, dup))
    return names


def probe_document(name, version, classes, weights, bias, encoder_sha256=None):
    """The probe JSON document (a dict) for float32 ``weights [K, C]`` and ``bias [K]``."""
    weights = np.asarray(weights)
    bias = np.asarray(bias)
    if weights.dtype != np.float32 or bias.dtype != np.float32:
        raise ProbeError("weights and bias must be float32 (were %s, %s)" % (weights.dtype, bias.dtype))
    if weights.ndim != 2 or bias.shape != (weights.shape[0],):
        raise ProbeError("weights %s and bias %s do not make a probe" % (list(weights.shape), list(bias.shape)))
    k, c = weights.shape
    if len(classes) != k:
        raise ProbeError("%d class names for a probe with %d classes (weight rows)" % (len(classes), k))
    if k < 2:
        raise ProbeError("a probe needs at least 2 classes, had %d" % k)
    if not name or not str(name).strip():
        raise ProbeError("the probe needs a name")
    if not version or not str(version).strip():
        raise ProbeError("the probe needs a version")
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name, "version": str(version),
           "channels": int(c), "classes": list(classes),
           # float(np.float32) is exact; json writes repr(), the shortest decimal that reads back as the same double
           "weights": [[float(v) for v in row] for row in weights], "bias": [float(v) for v in bias]}
    if encoder_sha256:
        doc["encoder_sha256"] = encoder_sha256
    for v in doc["bias"]:
        if not math.isfinite(v):
            raise ProbeError("bias holds a non-finite value")
    return doc


def write_probe(path, doc):
    """Writes ``doc`` to ``path`` (via a temporary file and a rename)."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def read_probe(path):
    """``(doc, weights [K, C] float32, bias [K] float32)`` of a probe JSON file."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise ProbeError("%s is not a %s v%d file" % (path, FORMAT, FORMAT_VERSION))
    return doc, np.asarray(doc["weights"], dtype=np.float32), np.asarray(doc["bias"], dtype=np.float32)


def convert(state_dict_path, out_path, name, version="1", classes=None, classes_file=None, key=None, prefix="",
            channels=None, encoder_sha256=None):
    """The whole ``convert-probe`` command; returns the written document."""
    names = read_classes(classes, classes_file)
    weights, bias = probe_arrays(load_state_dict(state_dict_path, key), prefix)
    if channels is not None and weights.shape[1] != channels:
        raise ProbeError("the probe reads %d feature channels, --channels says the encoder makes %d"
                         % (weights.shape[1], channels))
    doc = probe_document(name, version, names, weights, bias, encoder_sha256)
    write_probe(out_path, doc)
    return doc


def add_arguments(p):
    p.add_argument("state_dict", help="torch.save'd state dict or checkpoint holding the probe's weight and bias")
    p.add_argument("out", help="probe JSON to write")
    p.add_argument("--name", required=True, help="probe name (e.g. cocostuff27)")
    p.add_argument("--version", default="1")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--classes", help="comma-separated class names, label i = i-th name")
    g.add_argument("--classes-file", help="text file with one class name per line")
    p.add_argument("--key", help="the checkpoint entry holding the state dict (default: the dict itself, or its one "
                                 "nested state dict under %s)" % "/".join(NESTED_KEYS))
    p.add_argument("--prefix", default="",
                   help="key prefix of the probe's parameters, e.g. 'head.' for head.weight / head.bias")
    p.add_argument("--channels", type=int, help="refuse a probe that does not read this many channels")
    p.add_argument("--encoder-sha256", help="the encoder the probe was trained on (recorded in the file)")
