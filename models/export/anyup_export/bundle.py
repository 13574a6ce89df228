"""Writing and checking bundles: ONNX export per resolution profile, reference tensors, PCA bases, manifest.

Bundle layout (CONTRACTS.md "Model bundle format"): manifest.json, encoder_<S>.onnx, upsampler_<S>.onnx,
<projection>.npy (+ mean), ref/ref_<S>_{image,patch_features,cls,upsampled}.npy. Besides the contract keys the
manifest carries ``files``: [{path, sha256, bytes}] for every file in the bundle except manifest.json itself.
"""

import contextlib
import json
import os

import numpy as np
import onnx
import torch

from . import __version__
from .npyio import load_npy, save_npy, sha256_file

OPSET = 17
PREPROCESS = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "interpolation": "bilinear-antialias"}


class BundleError(Exception):
    """A bundle (or a graph about to go into one) breaks the contract."""


# ---------------------------------------------------------------- ONNX export

@contextlib.contextmanager
def static_spatial_shapes():
    """Per-resolution export: while tracing, ``x.shape`` values are graph tensors, so shape-dependent code such as
    AnyUp's adaptive pooling (``output_size`` from the feature map's shape) or ``interpolate(size=other.shape[-2:])``
    either fails to export ("adaptive pooling, since output_size is not constant") or leaves dynamic Resize sizes.
    Inside this context those sizes are turned into Python ints, i.e. constants of the profile being exported;
    the batch axis stays dynamic (it never reaches these arguments)."""
    import torch.nn.functional as F
    saved = {n: getattr(F, n) for n in ("adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate")}

    def ints(v):
        if v is None:
            return None
        if isinstance(v, (list, tuple, torch.Size)):
            return tuple(None if e is None else int(e) for e in v)
        return int(v)

    def out_hw(x, output_size):
        h, w = int(x.shape[-2]), int(x.shape[-1])
        o = ints(output_size)
        o = (o, o) if isinstance(o, int) else o
        return h, w, (h if o[0] is None else o[0]), (w if o[1] is None else o[1])

    def bins(n, m):
        # adaptive pooling bins: [floor(i*n/m), ceil((i+1)*n/m)) as an averaging matrix [m, n]
        mat = torch.zeros(m, n)
        for i in range(m):
            a, b = (i * n) // m, -((-(i + 1) * n) // m)
            mat[i, a:b] = 1.0 / (b - a)
        return mat

    def adaptive_avg_pool2d(x, output_size):
        # Exact adaptive average pooling as two constant matrix products (ONNX cannot export it when the
        # input size is not statically known to the exporter).
        h, w, oh, ow = out_hw(x, output_size)
        return torch.matmul(torch.matmul(bins(h, oh).to(x.dtype), x), bins(w, ow).t().to(x.dtype))

    def adaptive_max_pool2d(x, output_size, return_indices=False):
        h, w, oh, ow = out_hw(x, output_size)
        if not return_indices and h % oh == 0 and w % ow == 0:
            return F.max_pool2d(x, (h // oh, w // ow))
        return saved["adaptive_max_pool2d"](x, (oh, ow), return_indices)

    def interpolate(x, size=None, *a, **k):
        return saved["interpolate"](x, ints(size), *a, **k)

    F.adaptive_avg_pool2d = adaptive_avg_pool2d
    F.adaptive_max_pool2d = adaptive_max_pool2d
    F.interpolate = interpolate
    try:
        yield
    finally:
        for n, fn in saved.items():
            setattr(F, n, fn)


def _dynamic(names):
    return {n: {0: "batch"} for n in names}


def export_encoder(module, size, path, has_cls, opset=OPSET):
    module.eval()
    dummy = torch.zeros(1, 3, size, size)
    outputs = ["patch_features", "cls"] if has_cls else ["patch_features"]
    with torch.no_grad(), static_spatial_shapes():
        torch.onnx.export(module, (dummy,), path, input_names=["image"], output_names=outputs,
                          dynamic_axes=_dynamic(["image"] + outputs), opset_version=opset,
                          do_constant_folding=True)
    with torch.no_grad():
        out = module(dummy)
    out = out if isinstance(out, tuple) else (out,)
    _pin_output_dims(path, {n: list(t.shape[1:]) for n, t in zip(outputs, out)})
    check_graph(path, ["image"], outputs, {"image": 4, "patch_features": 4, "cls": 2})
    return path


def export_upsampler(module, size, channels, feature_size, path, opset=OPSET, output_dims=None):
    """``output_dims`` ([C, H', W']) when the caller knows them: saves a second forward pass (a minute at 448 on
    2 cores for AnyUp)."""
    module.eval()
    img = torch.zeros(1, 3, size, size)
    feats = torch.zeros(1, channels, feature_size, feature_size)
    with torch.no_grad(), static_spatial_shapes():
        torch.onnx.export(module, (img, feats), path, input_names=["image", "features"], output_names=["upsampled"],
                          dynamic_axes=_dynamic(["image", "features", "upsampled"]), opset_version=opset,
                          do_constant_folding=True)
    if output_dims is None:
        with torch.no_grad():
            output_dims = list(module(img, feats).shape[1:])
    _pin_output_dims(path, {"upsampled": list(output_dims)})
    check_graph(path, ["image", "features"], ["upsampled"], {"image": 4, "features": 4, "upsampled": 4})
    return path


def _pin_output_dims(path, dims):
    """Shape-dependent code can leave symbolic non-batch output dims (e.g. 'Mulupsampled_dim_1') although the profile
    fixes them: declare the traced sizes so runtimes and loaders see [batch, C, H, W]."""
    model = onnx.load(path)
    changed = False
    for v in model.graph.output:
        if v.name not in dims:
            continue
        shape = v.type.tensor_type.shape
        for d, size in zip(list(shape.dim)[1:], dims[v.name]):
            if d.dim_param or d.dim_value != size:
                d.Clear()
                d.dim_value = int(size)
                changed = True
    if changed:
        onnx.save(model, path)


def _dims(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def graph_io(path):
    """{'inputs': {name: dims}, 'outputs': {name: dims}} after ONNX shape inference (dims: int or symbolic str)."""
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    inits = {i.name for i in model.graph.initializer}
    return {"inputs": {v.name: _dims(v) for v in model.graph.input if v.name not in inits},
            "outputs": {v.name: _dims(v) for v in inferred.graph.output},
            "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))}


def check_graph(path, inputs, outputs, ranks):
    """onnx.checker + the contract: exact input/output names, ranks, float32, symbolic (dynamic) batch axis."""
    model = onnx.load(path)
    onnx.checker.check_model(model)
    io = graph_io(path)
    if list(io["inputs"]) != list(inputs):
        raise BundleError("%s: inputs %s, expected %s" % (path, list(io["inputs"]), inputs))
    if list(io["outputs"]) != list(outputs):
        raise BundleError("%s: outputs %s, expected %s" % (path, list(io["outputs"]), outputs))
    for v in list(model.graph.input) + list(model.graph.output):
        if v.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
            raise BundleError("%s: tensor '%s' is not float32" % (path, v.name))
    for name, dims in list(io["inputs"].items()) + list(io["outputs"].items()):
        if name in ranks and len(dims) != ranks[name]:
            raise BundleError("%s: tensor '%s' has rank %d, expected %d" % (path, name, len(dims), ranks[name]))
        if not isinstance(dims[0], str) or not dims[0]:
            raise BundleError("%s: tensor '%s' has no dynamic batch axis (dims %s)" % (path, name, dims))
    if io["opset"] > OPSET:
        raise BundleError("%s: opset %d > %d (ONNX Runtime 1.21 target)" % (path, io["opset"], OPSET))
    return io


# ---------------------------------------------------------------- PCA

def fit_pca(vectors, k):
    """vectors [N,C] -> (basis [k,C] float32, rows = principal axes, sign fixed so each row's largest |entry| is
    positive; mean [C] float32). Projection: y = basis @ (x - mean)."""
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    basis = vt[:k]
    idx = np.abs(basis).argmax(1)
    basis = basis * np.sign(basis[np.arange(k), idx])[:, None]
    return basis.astype(np.float32), mean.astype(np.float32)


# ---------------------------------------------------------------- manifest

def _rel(bundle_dir, path):
    return os.path.relpath(path, bundle_dir).replace(os.sep, "/")


def write_manifest(bundle_dir, manifest):
    """Fills sha256 fields and the ``files`` list, writes manifest.json (sorted file list, stable formatting)."""
    for section in ("encoder", "upsampler"):
        for p in (manifest.get(section) or {}).get("profiles", []):
            p["sha256"] = sha256_file(os.path.join(bundle_dir, p["file"]))
    for p in manifest.get("projections", []):
        p["sha256"] = sha256_file(os.path.join(bundle_dir, p["file"]))
    files = []
    for root, _, names in os.walk(bundle_dir):
        for n in names:
            full = os.path.join(root, n)
            rel = _rel(bundle_dir, full)
            if rel == "manifest.json":
                continue
            files.append({"path": rel, "sha256": sha256_file(full), "bytes": os.path.getsize(full)})
    manifest["files"] = sorted(files, key=lambda f: f["path"])
    with open(os.path.join(bundle_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def referenced_files(manifest):
    files = []
    for section in ("encoder", "upsampler"):
        for p in (manifest.get(section) or {}).get("profiles", []):
            files.append(p["file"])
    for p in manifest.get("projections", []):
        files.append(p["file"])
        if p.get("mean_file"):
            files.append(p["mean_file"])
    for r in manifest.get("references", []):
        for key in ("image", "patch_features", "cls", "upsampled"):
            if r.get(key):
                files.append(r[key])
    return files


def verify_bundle(bundle_dir, check_graphs=True):
    """Python-side bundle check: manifest completeness, every referenced file present, sha256s, shapes of the
    reference tensors and projections, and (check_graphs) each graph's contract names / ranks / dynamic batch.
    Returns a list of human-readable problems (empty = OK). Numerics need ONNX Runtime (the Java `verify`)."""
    problems = []
    mpath = os.path.join(bundle_dir, "manifest.json")
    try:
        with open(mpath) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        return ["manifest.json: %s" % e]
    for key in ("format_version", "name", "version", "preprocess", "encoder", "references"):
        if key not in m:
            problems.append("manifest.json: missing '%s'" % key)
    if problems:
        return problems
    if m["format_version"] != 1:
        problems.append("manifest.json: format_version %r != 1" % m["format_version"])
    for k in ("mean", "std"):
        v = m["preprocess"].get(k)
        if not (isinstance(v, list) and len(v) == 3):
            problems.append("manifest.json: preprocess.%s must be 3 numbers" % k)
    enc = m["encoder"]
    for key in ("name", "version", "patch_size", "channels", "has_cls", "inputs", "outputs", "profiles"):
        if key not in enc:
            problems.append("manifest.json: encoder.%s missing" % key)
    up = m.get("upsampler")
    if up is not None:
        for key in ("name", "version", "kind", "inputs", "outputs", "profiles"):
            if key not in up:
                problems.append("manifest.json: upsampler.%s missing" % key)
    if problems:
        return problems

    listed = {f["path"]: f for f in m.get("files", [])}
    for rel in referenced_files(m):
        full = os.path.join(bundle_dir, rel)
        if not os.path.isfile(full):
            problems.append("%s: referenced by the manifest but missing" % rel)
            continue
        if listed and rel not in listed:
            problems.append("%s: not listed in manifest 'files'" % rel)
    for rel, f in listed.items():
        full = os.path.join(bundle_dir, rel)
        if not os.path.isfile(full):
            problems.append("%s: listed in 'files' but missing" % rel)
        elif sha256_file(full) != f["sha256"]:
            problems.append("%s: sha256 mismatch (manifest %s, file %s)" % (rel, f["sha256"], sha256_file(full)))
    for section in ("encoder", "upsampler"):
        for p in (m.get(section) or {}).get("profiles", []):
            full = os.path.join(bundle_dir, p["file"])
            if os.path.isfile(full) and p.get("sha256") != sha256_file(full):
                problems.append("%s: sha256 mismatch with %s profile %s" % (p["file"], section, p["input_size"]))
    for p in m.get("projections", []):
        full = os.path.join(bundle_dir, p["file"])
        if os.path.isfile(full):
            if p.get("sha256") != sha256_file(full):
                problems.append("%s: sha256 mismatch with projection %s" % (p["file"], p["id"]))
            b = load_npy(full)
            if b.shape != (p["out_channels"], p["in_channels"]) or p["in_channels"] != enc["channels"]:
                problems.append("%s: shape %s, expected [%d,%d]" % (p["file"], b.shape, p["out_channels"],
                                                                   p["in_channels"]))
        if p.get("mean_file") and os.path.isfile(os.path.join(bundle_dir, p["mean_file"])):
            mean = load_npy(os.path.join(bundle_dir, p["mean_file"]))
            if mean.shape != (p["in_channels"],):
                problems.append("%s: shape %s, expected [%d]" % (p["mean_file"], mean.shape, p["in_channels"]))

    c, patch = enc["channels"], enc["patch_size"]
    for r in m["references"]:
        s = r["input_size"]
        expect = {"image": (1, 3, s, s), "patch_features": (1, c, s // patch, s // patch), "cls": (1, c)}
        if up is not None:
            outs = [p.get("output_size", s) for p in up["profiles"] if p["input_size"] == s]
            expect["upsampled"] = (1, c, outs[0], outs[0]) if outs else None
        for key, shape in expect.items():
            rel = r.get(key)
            if not rel or not os.path.isfile(os.path.join(bundle_dir, rel)):
                if key == "cls" and not enc["has_cls"]:
                    continue
                if key == "upsampled" and up is None:
                    continue
                problems.append("reference %d: '%s' missing" % (s, key))
                continue
            a = load_npy(os.path.join(bundle_dir, rel))
            if a.dtype.str not in ("<f4", "<f2"):
                problems.append("%s: dtype %s (expected <f4 or <f2)" % (rel, a.dtype.str))
            if shape is not None and tuple(a.shape) != shape:
                problems.append("%s: shape %s, expected %s" % (rel, tuple(a.shape), shape))
        if not isinstance(r.get("atol"), (int, float)) or r["atol"] <= 0:
            problems.append("reference %d: atol must be a positive number" % s)

    if check_graphs:
        checks = [("encoder", ["image"], ["patch_features", "cls"] if enc["has_cls"] else ["patch_features"])]
        if up is not None and up.get("kind", "onnx") == "onnx":
            checks.append(("upsampler", ["image", "features"], ["upsampled"]))
        for section, ins, outs in checks:
            for p in m[section]["profiles"]:
                full = os.path.join(bundle_dir, p["file"])
                if not os.path.isfile(full):
                    continue
                try:
                    io = check_graph(full, ins, outs, {})
                except (BundleError, onnx.checker.ValidationError) as e:
                    problems.append(str(e))
                    continue
                s = p["input_size"]
                want = {"image": [3, s, s]}
                if section == "encoder":
                    want["patch_features"] = [c, s // patch, s // patch]
                else:
                    fs = p.get("feature_size", s // patch)
                    os_ = p.get("output_size", s)
                    want["features"] = [c, fs, fs]
                    want["upsampled"] = [c, os_, os_]
                for name, dims in list(io["inputs"].items()) + list(io["outputs"].items()):
                    if name in want and all(isinstance(d, int) and d > 0 for d in dims[1:]) \
                            and list(dims[1:]) != want[name]:
                        problems.append("%s: tensor '%s' dims %s, expected [batch]+%s" % (p["file"], name, dims,
                                                                                          want[name]))
    return problems


def bundle_size(bundle_dir):
    total = 0
    rows = []
    for root, _, names in os.walk(bundle_dir):
        for n in names:
            full = os.path.join(root, n)
            rows.append((_rel(bundle_dir, full), os.path.getsize(full)))
            total += os.path.getsize(full)
    return sorted(rows), total


def tool_stamp():
    return "anyup_export %s (torch %s, onnx %s, opset %d)" % (__version__, torch.__version__, onnx.__version__, OPSET)
