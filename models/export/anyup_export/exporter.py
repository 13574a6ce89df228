"""`export`: build a bundle from PyTorch models the user has.

Models come from :mod:`anyup_export.sources` (local source folders, checkpoints, one seed; torch.hub's network route
only when neither a folder nor a checkpoint is given).

Encoders: ``dinov2_vit{s,b,l,g}14`` (a local clone of ``facebookresearch/dinov2`` or torch.hub) or any
``package.module:factory`` returning an ``nn.Module`` that maps ``image`` [B,3,S,S] to one of: a tensor
[B,C,h,w]; a tuple ``(patch_features, cls)``; a dict with ``patch_features`` (+ ``cls``) or DINOv2's
``x_norm_patchtokens`` / ``x_norm_clstoken``; or a token tensor [B,N(+1),C] (set ``has_cls`` on the module if the
first token is a CLS token).

Upsamplers: ``anyup`` (a local clone of ``wimmerth/anyup`` or torch.hub), ``anyup-builtin`` (the tool's own AnyUp),
``featup-jbu`` (FeatUp's JBU stack: a local clone of ``mhamilton723/FeatUp`` or the tool's own, see
:mod:`anyup_export.featup_graph`), ``none``, or ``package.module:factory``; the factory is called as
``factory(input_size=S, channels=C, feature_size=h, **kwargs)`` when it accepts those names, else ``factory(**kwargs)``;
the module maps (image, features) -> upsampled [B,C,S,S] (AnyUp's contract).

Pitfalls handled here (see README.md):
* DINOv2 returns dicts / token sequences -> ``EncoderWrapper`` produces ``patch_features`` [B,C,h,w] and ``cls``.
* DINOv2 interpolates its positional embedding with (antialiased) bicubic resampling, which ONNX cannot express ->
  ``freeze_pos_embed`` computes the embedding for the target size once in PyTorch and bakes it in, so the exported
  graph does no interpolation. One graph per input size.
* AnyUp (anything with its structure) is exported through :class:`~anyup_export.anyup_graph.AnyUpProfileGraph`: exact,
  windowed attention, everything shape-dependent computed for the profile -> one upsampler graph per profile.
"""

import importlib
import inspect
import json
import os
import shutil
import tempfile
import time
import types

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import bundle as B
from . import sources
from .anyup_graph import AnyUpProfileGraph, is_anyup
from .featup_graph import FeatUpProfileGraph, is_featup, reference_forward as featup_reference
from .npyio import save_npy



def load_factory(spec):
    """'package.module:factory' -> callable."""
    if ":" not in spec:
        raise ValueError("expected 'package.module:factory', got %r" % spec)
    mod, _, attr = spec.partition(":")
    obj = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError("%s is not callable" % spec)
    return obj


def _call_factory(factory, kwargs, **shape_kwargs):
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    accepted = {k: v for k, v in shape_kwargs.items()
                if k in params or any(p.kind == p.VAR_KEYWORD for p in params.values())}
    return factory(**accepted, **kwargs)


# ---------------------------------------------------------------- encoder side

def freeze_pos_embed(model, size):
    """DINOv2 pitfall: replace ``interpolate_pos_encoding`` (bicubic [antialiased] resize of the positional
    embedding) by the precomputed embedding for ``size`` x ``size`` inputs, so the ONNX graph has no resize."""
    if not hasattr(model, "interpolate_pos_encoding") or not hasattr(model, "pos_embed"):
        return model
    dim = model.pos_embed.shape[-1]
    patch = _patch_size(model)
    n = (size // patch) ** 2
    tokens = torch.zeros(1, 1 + n, dim)
    with torch.no_grad():
        fixed = model.interpolate_pos_encoding(tokens, size, size).detach().clone()
    model.register_buffer("_anyup_fixed_pos_embed", fixed, persistent=False)

    def interpolate_pos_encoding(self, x, w, h):  # noqa: ARG001 - signature of DINOv2's method
        return self._anyup_fixed_pos_embed.to(x.dtype)

    model.interpolate_pos_encoding = types.MethodType(interpolate_pos_encoding, model)
    return model


def _patch_size(model):
    ps = getattr(model, "patch_size", None)
    if ps is None and hasattr(model, "patch_embed"):
        ps = getattr(model.patch_embed, "patch_size", None)
    if isinstance(ps, (tuple, list)):
        ps = ps[0]
    return int(ps) if ps else None


class EncoderWrapper(nn.Module):
    """Normalises an encoder's output to (patch_features [B,C,h,w], cls [B,C] or None) for a fixed input size."""

    def __init__(self, model, size, patch_size=None, has_cls=None):
        super().__init__()
        self.model = model
        self.size = size
        self.patch = patch_size or _patch_size(model)
        self.has_cls = has_cls
        self.use_forward_features = hasattr(model, "forward_features") and _patch_size(model) is not None

    def _tokens_to_map(self, tokens):
        b, n, c = tokens.shape
        h = self.size // self.patch
        return tokens[:, n - h * h:, :].transpose(1, 2).reshape(b, c, h, h)

    def forward(self, image):
        out = self.model.forward_features(image) if self.use_forward_features else self.model(image)
        cls = None
        if isinstance(out, dict):
            if "x_norm_patchtokens" in out:
                feats = self._tokens_to_map(out["x_norm_patchtokens"])
                cls = out.get("x_norm_clstoken")
            else:
                feats, cls = out["patch_features"], out.get("cls")
        elif isinstance(out, (tuple, list)):
            feats = out[0]
            cls = out[1] if len(out) > 1 else None
        else:
            feats = out
        if feats.dim() == 3:  # token sequence [B,N(+1),C]
            if getattr(self.model, "has_cls", False) and cls is None:
                cls = feats[:, 0]
            feats = self._tokens_to_map(feats)
        if cls is None:
            return feats
        return feats, cls


# ---------------------------------------------------------------- upsampler side

class UpsamplerWrapper(nn.Module):
    """Pins the output size (AnyUp's forward takes ``output_size``) and the contract's argument order."""

    def __init__(self, model, output_size, pass_output_size):
        super().__init__()
        self.model = model
        self.output_size = output_size
        self.pass_output_size = pass_output_size

    def forward(self, image, features):
        if self.pass_output_size:
            return self.model(image, features, output_size=(self.output_size, self.output_size))
        return self.model(image, features)


def _accepts(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- reference image

def reference_image(path, size, mean, std, seed=0):
    if path:
        from .preprocess import preprocess_file
        x, _ = preprocess_file(path, size)
        return torch.from_numpy(x)[None]
    g = torch.Generator().manual_seed(seed)
    # Smooth random image (random low-res pattern upsampled) so features are not pure noise.
    low = torch.rand(1, 3, max(2, size // 16), max(2, size // 16), generator=g)
    rgb = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    return (rgb - m) / s


# ---------------------------------------------------------------- main entry

def build_bundle(out_dir, make_encoder, make_upsampler, sizes, encoder_meta, upsampler_meta, name="custom-bundle",
                 version="0.1.0", description=None, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 reference_image_path=None, reference_sizes=None, atol=1e-3, upsampled_dtype="<f4", pca_k=0,
                 pca_images=None, attention="windowed", overwrite=False, log=print):
    """make_encoder(size) -> nn.Module (raw; wrapped here); make_upsampler(size, channels, feature_size) -> nn.Module
    or None. Writes graphs, references, optional PCA and the manifest; returns the manifest.

    The bundle is built in a temporary folder beside ``out_dir`` and moved into place only once it verifies, so a
    failed export leaves nothing behind. An existing non-empty ``out_dir`` is refused unless ``overwrite``."""
    out_dir = os.path.abspath(out_dir)
    if os.path.isdir(out_dir) and os.listdir(out_dir) and not overwrite:
        raise B.BundleError("%s exists and is not empty (pass --overwrite to replace it)" % out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    final_dir, out_dir = out_dir, tempfile.mkdtemp(prefix=".%s.partial-" % os.path.basename(out_dir), dir=parent)
    # mkdtemp makes the folder 0700; the bundle is read by other users (the Docker image runs as uid 10001 and
    # mounts bundles read-only), so give it the mode os.makedirs would (0755 under the usual umask 022)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(out_dir, 0o777 & ~umask)
    try:
        manifest = _build_into(out_dir, make_encoder, make_upsampler, sizes, encoder_meta, upsampler_meta, name,
                               version, description, mean, std, reference_image_path, reference_sizes, atol,
                               upsampled_dtype, pca_k, pca_images, attention, log)
        if os.path.isdir(final_dir):
            shutil.rmtree(final_dir)
        os.replace(out_dir, final_dir)
        return manifest
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _build_into(out_dir, make_encoder, make_upsampler, sizes, encoder_meta, upsampler_meta, name, version,
                description, mean, std, reference_image_path, reference_sizes, atol, upsampled_dtype, pca_k,
                pca_images, attention, log):
    reference_sizes = list(reference_sizes or sizes)
    enc_profiles, up_profiles, references = [], [], []
    channels = patch = has_cls = None
    pca_vectors = []
    exactness = []
    for s in sizes:
        started = time.time()
        enc_raw = make_encoder(s)
        enc_raw.eval()
        freeze_pos_embed(enc_raw, s)
        enc = EncoderWrapper(enc_raw, s, encoder_meta.get("patch_size")).eval()
        x = reference_image(reference_image_path, s, mean, std)
        with torch.no_grad():
            out = enc(x)
        feats, cls = (out if isinstance(out, tuple) else (out, None))
        if feats.dim() != 4 or feats.shape[0] != 1:
            raise B.BundleError("encoder output for size %d has shape %s, expected [1,C,h,w]" % (s, tuple(feats.shape)))
        c, h = feats.shape[1], feats.shape[2]
        if feats.shape[3] != h or s % h:
            raise B.BundleError("encoder output %s does not tile a %dx%d input" % (tuple(feats.shape), s, s))
        if channels is None:
            channels, patch, has_cls = c, s // h, cls is not None
        elif (c, s // h, cls is not None) != (channels, patch, has_cls):
            raise B.BundleError("encoder at size %d disagrees with the first profile (channels/patch/cls)" % s)
        f = "encoder_%d.onnx" % s
        B.export_encoder(enc, s, os.path.join(out_dir, f), has_cls=has_cls)
        enc_profiles.append({"input_size": s, "file": f, "sha256": ""})
        up = up_raw = None
        if make_upsampler is not None:
            up_raw = make_upsampler(s, c, h)
            up_raw.eval()
            if is_anyup(up_raw):
                # AnyUp: the exact exportable formulation (windowed attention, no dead work), same parameters
                up = AnyUpProfileGraph(up_raw, s, h, c, s, attention=attention).eval()
            elif is_featup(up_raw):
                # FeatUp's JBU stack: standard ops for the adaptive convolution, same parameters
                up = FeatUpProfileGraph(up_raw, s, h, c, s).eval()
            else:
                up = UpsamplerWrapper(up_raw, s, _accepts(up_raw.forward, "output_size")).eval()
            f = "upsampler_%d.onnx" % s
            B.export_upsampler(up, s, c, h, os.path.join(out_dir, f), output_dims=[c, s, s])
            up_profiles.append({"input_size": s, "feature_size": h, "output_size": s, "file": f, "sha256": ""})
        if s in reference_sizes:
            ref = {"input_size": s}
            tensors = {"image": x, "patch_features": feats}
            if cls is not None:
                tensors["cls"] = cls
            if up is not None:
                with torch.no_grad():
                    upsampled = up(x, feats)
                    if isinstance(up, AnyUpProfileGraph) and _dense_reference_fits(s, h):
                        # the reference is the model's own forward (the reference formulation); the exported
                        # formulation must agree with it
                        graph_out, upsampled = upsampled, up_raw(x, feats, output_size=(s, s))
                        diff = float((graph_out - upsampled).abs().max())
                        exactness.append({"input_size": s, "attention": attention, "max_abs_diff": diff,
                                          "max_abs_value": float(upsampled.abs().max())})
                        log("profile %d: exported %s attention vs the model's forward: max |diff| %.3g (values up "
                            "to %.3g)" % (s, attention, diff, float(upsampled.abs().max())))
                        if diff > atol:
                            raise B.BundleError("exported upsampler differs from the model by %.3g > atol %.3g at "
                                                "%d" % (diff, atol, s))
                    elif isinstance(up, FeatUpProfileGraph):
                        # the reference is upstream's maths in PyTorch (featup_graph.reference_forward)
                        graph_out, upsampled = upsampled, featup_reference(up_raw, x, feats, s)
                        diff = float((graph_out - upsampled).abs().max())
                        exactness.append({"input_size": s, "max_abs_diff": diff,
                                          "max_abs_value": float(upsampled.abs().max())})
                        log("profile %d: exported FeatUp JBU vs upstream's maths in PyTorch: max |diff| %.3g (values "
                            "up to %.3g)" % (s, diff, float(upsampled.abs().max())))
                        if diff > atol:
                            raise B.BundleError("exported upsampler differs from the model by %.3g > atol %.3g at "
                                                "%d" % (diff, atol, s))
                if tuple(upsampled.shape) != (1, c, s, s):
                    raise B.BundleError("upsampler output %s, expected %s" % (tuple(upsampled.shape), (1, c, s, s)))
                tensors["upsampled"] = upsampled
            for k, v in tensors.items():
                rel = "ref/ref_%d_%s.npy" % (s, k)
                save_npy(os.path.join(out_dir, rel), v.detach().cpu().numpy(),
                         upsampled_dtype if k == "upsampled" else "<f4")
                ref[k] = rel
            ref["atol"] = atol
            references.append(ref)
        if pca_k:
            from .defaultbundle import sample_images
            from .preprocess import preprocess_file
            with torch.no_grad():
                for path in sample_images(pca_images):
                    xi, _ = preprocess_file(path, s)
                    o = enc(torch.from_numpy(xi)[None])
                    fi = o[0] if isinstance(o, tuple) else o
                    pca_vectors.append(fi[0].reshape(c, -1).t().numpy())
        log("exported profile %d: features [%d,%d,%d]%s in %.1f s" % (s, c, h, h, ", cls" if has_cls else "",
                                                                     time.time() - started))

    manifest = {
        "format_version": 1, "name": name, "version": version,
        "description": description or "exported with anyup_export from %s + %s" % (encoder_meta["name"],
                                                                                  (upsampler_meta or {}).get("name")),
        "preprocess": {"mean": list(mean), "std": list(std), "interpolation": "bilinear-antialias"},
        "encoder": {
            "name": encoder_meta["name"], "version": encoder_meta.get("version", "1.0.0"),
            "licence": encoder_meta.get("licence", "unknown"), "patch_size": patch, "channels": channels,
            "has_cls": has_cls, "inputs": {"image": "image"},
            "provenance": encoder_meta.get("provenance", {}),
            "outputs": dict({"patch_features": "patch_features"}, **({"cls": "cls"} if has_cls else {})),
            "profiles": enc_profiles,
        },
        "projections": [],
        "references": references,
        "created_by": B.tool_stamp() + "; python3 -m anyup_export export",
    }
    if make_upsampler is not None:
        manifest["upsampler"] = {
            "name": upsampler_meta["name"], "version": upsampler_meta.get("version", "1.0.0"),
            "licence": upsampler_meta.get("licence", "unknown"), "kind": "onnx",
            "provenance": upsampler_meta.get("provenance", {}),
            **({"attention": attention, "exactness": exactness} if up_profiles and isinstance(up, AnyUpProfileGraph)
               else {}),
            **({"exactness": exactness, "channel_norm": up_raw.norm is not None,
                "native_output_size": {str(p["input_size"]): p["feature_size"] * 16 for p in up_profiles},
                "resize": "bilinear from the stack's 16x output to the input size (align_corners false)"}
               if up_profiles and isinstance(up, FeatUpProfileGraph) else {}),
            "inputs": {"image": "image", "features": "features"}, "outputs": {"upsampled": "upsampled"},
            "profiles": up_profiles,
        }
    if pca_k:
        basis, pmean = B.fit_pca(np.concatenate(pca_vectors, 0), pca_k)
        pid = "pca%d" % pca_k
        save_npy(os.path.join(out_dir, pid + ".npy"), basis)
        save_npy(os.path.join(out_dir, pid + "_mean.npy"), pmean)
        manifest["projections"].append({"id": pid, "in_channels": channels, "out_channels": pca_k,
                                        "file": pid + ".npy", "mean_file": pid + "_mean.npy", "sha256": ""})
    B.write_manifest(out_dir, manifest)
    problems = B.verify_bundle(out_dir)
    if problems:
        raise B.BundleError("exported bundle fails verification:\n  " + "\n  ".join(problems))
    return manifest


def _dense_reference_fits(size, feature_size, heads=4, limit_bytes=1 << 30):
    """The reference's dense masked attention holds heads x queries x cells floats; above ~1 GiB (448 and up) the
    export does not run it (the windowed formulation is checked against it in the tests and BENCHMARKS.md)."""
    return heads * size * size * feature_size * feature_size * 4 <= limit_bytes


def export_from_args(a, log=print):
    torch.set_num_threads(max(1, os.cpu_count() or 1))  # Debian's torch defaults to one thread
    enc_kwargs = json.loads(a.encoder_kwargs)
    up_kwargs = json.loads(a.upsampler_kwargs)
    enc_src = sources.resolve("encoder", a.encoder, enc_kwargs, a.encoder_source, a.encoder_checkpoint, a.seed,
                              factory_call=lambda f, **shape: _call_factory(f, enc_kwargs, **shape), log=log)

    def make_encoder(size):
        return enc_src.get(input_size=size)
    enc_meta = {"name": a.encoder_name or a.encoder.rpartition(":")[2], "version": a.encoder_version,
                "licence": a.encoder_licence or enc_src.provenance["licence"], "provenance": enc_src.provenance}
    if a.upsampler == "none":
        make_upsampler, up_meta = None, None
    else:
        up_src = sources.resolve("upsampler", a.upsampler, up_kwargs, a.upsampler_source, a.upsampler_checkpoint,
                                 a.seed, factory_call=lambda f, **shape: _call_factory(f, up_kwargs, **shape), log=log)

        def make_upsampler(size, channels, feature_size):
            return up_src.get(input_size=size, channels=channels, feature_size=feature_size)
        default_name = ("anyup" if a.upsampler in ("anyup", "anyup-builtin") else
                        "featup-jbu" if a.upsampler == "featup-jbu" else a.upsampler.rpartition(":")[2])
        up_meta = {"name": a.upsampler_name or default_name, "version": a.upsampler_version,
                   "licence": a.upsampler_licence or up_src.provenance["licence"], "provenance": up_src.provenance}
    if a.pca and not a.pca_images:
        raise SystemExit("--pca needs --pca-images DIR")
    mean = [float(v) for v in a.mean.split(",")]
    std = [float(v) for v in a.std.split(",")]
    return build_bundle(a.out_dir, make_encoder, make_upsampler, a.sizes, enc_meta, up_meta, name=a.name,
                        version=a.version, mean=mean, std=std, reference_image_path=a.reference_image,
                        reference_sizes=a.reference_sizes, atol=a.atol,
                        upsampled_dtype="<f2" if a.upsampled_dtype == "f2" else "<f4", pca_k=a.pca,
                        pca_images=a.pca_images, attention=a.attention, overwrite=a.overwrite, log=log)
