"""The default stand-in bundle: filterbank-p14 encoder + anyup-standin upsampler + pca8 + 224 reference tensors."""

import glob
import os

import numpy as np
import torch

from . import bundle as B
from .npyio import save_npy
from .preprocess import preprocess_file
from .standin import AttentionUpsamplerStandin, FilterBankEncoder

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLES_DIR = os.path.join(REPO, "topology", "src", "main", "resources", "samples")
REFERENCE_IMAGE = os.path.join(REPO, "models", "src", "test", "resources", "images", "chelsea.png")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
SIZES = (224, 448)
PCA_K = 8
ATOL = 1e-3


def sample_images(directory):
    files = sorted(f for f in glob.glob(os.path.join(directory, "*")) if f.lower().endswith(IMAGE_EXTS))
    if not files:
        raise B.BundleError("no sample images in %s" % directory)
    return files


def build_default_bundle(out_dir, samples_dir=SAMPLES_DIR, reference_image=REFERENCE_IMAGE, sizes=SIZES, log=print):
    os.makedirs(os.path.join(out_dir, "ref"), exist_ok=True)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    encoder = FilterBankEncoder().eval()
    C, P = encoder.channels, encoder.patch_size
    enc_profiles, up_profiles = [], []
    for s in sizes:
        f = "encoder_%d.onnx" % s
        B.export_encoder(encoder, s, os.path.join(out_dir, f), has_cls=True)
        enc_profiles.append({"input_size": s, "file": f, "sha256": ""})
        f = "upsampler_%d.onnx" % s
        B.export_upsampler(AttentionUpsamplerStandin(s, channels=C).eval(), s, C, s // P, os.path.join(out_dir, f))
        up_profiles.append({"input_size": s, "feature_size": s // P, "output_size": s, "file": f, "sha256": ""})
        log("exported %d profile" % s)

    # PCA basis on the patch features of the sample images (both profiles).
    vecs = []
    with torch.no_grad():
        for path in sample_images(samples_dir):
            for s in sizes:
                x, _ = preprocess_file(path, s)
                feats, _ = encoder(torch.from_numpy(x)[None])
                vecs.append(feats[0].reshape(C, -1).t().numpy())
    basis, mean = B.fit_pca(np.concatenate(vecs, 0), PCA_K)
    save_npy(os.path.join(out_dir, "pca8.npy"), basis)
    save_npy(os.path.join(out_dir, "pca8_mean.npy"), mean)

    # Reference tensors for the first profile.
    s = sizes[0]
    x, _ = preprocess_file(reference_image, s)
    image = torch.from_numpy(x)[None]
    with torch.no_grad():
        feats, cls = encoder(image)
        up = AttentionUpsamplerStandin(s, channels=C).eval()(image, feats)
    refs = {"image": image, "patch_features": feats, "cls": cls, "upsampled": up}
    ref = {"input_size": s}
    for k, v in refs.items():
        rel = "ref/ref_%d_%s.npy" % (s, k)
        save_npy(os.path.join(out_dir, rel), v.numpy(), "<f4")
        ref[k] = rel
    ref["atol"] = ATOL

    manifest = {
        "format_version": 1,
        "name": "anyup-default",
        "version": "0.1.0",
        "description": "stand-in models: fixed filter-bank encoder + random-weight AnyUp-contract attention upsampler "
                       "(features follow colour and edges, not semantics; see models/export/README.md)",
        "preprocess": dict(B.PREPROCESS),
        "encoder": {
            "name": "filterbank-p14", "version": "1.0.0", "licence": "Apache-2.0",
            "patch_size": P, "channels": C, "has_cls": True,
            "inputs": {"image": "image"}, "outputs": {"patch_features": "patch_features", "cls": "cls"},
            "profiles": enc_profiles,
        },
        "upsampler": {
            "name": "anyup-standin", "version": "1.0.0", "licence": "Apache-2.0", "kind": "onnx",
            "inputs": {"image": "image", "features": "features"}, "outputs": {"upsampled": "upsampled"},
            "profiles": up_profiles,
        },
        "projections": [{"id": "pca8", "in_channels": C, "out_channels": PCA_K, "file": "pca8.npy",
                         "mean_file": "pca8_mean.npy", "sha256": ""}],
        "references": [ref],
        "created_by": B.tool_stamp() + "; python3 -m anyup_export default-bundle",
        "reference_source": os.path.relpath(reference_image, REPO) if reference_image.startswith(REPO)
        else os.path.basename(reference_image),
    }
    B.write_manifest(out_dir, manifest)
    problems = B.verify_bundle(out_dir)
    if problems:
        raise B.BundleError("default bundle fails verification:\n  " + "\n  ".join(problems))
    rows, total = B.bundle_size(out_dir)
    for rel, n in rows:
        log("%9d  %s" % (n, rel))
    log("%9d  total" % total)
    if total >= 10 * 1024 * 1024:
        raise B.BundleError("default bundle is %d bytes (limit 10 MiB)" % total)
    return manifest


def calibrate(samples_dir=SAMPLES_DIR, size=224):
    """Prints per-channel mean/std of the unstandardised filter-bank features (how FEATURE_SHIFT/SCALE were made)."""
    enc = FilterBankEncoder(shift=[0.0] * 32, scale=[1.0] * 32).eval()
    vecs = []
    with torch.no_grad():
        for path in sample_images(samples_dir):
            x, _ = preprocess_file(path, size)
            feats, _ = enc(torch.from_numpy(x)[None])
            vecs.append(feats[0].reshape(32, -1))
    m = torch.cat(vecs, 1)
    print("FEATURE_SHIFT =", [float("%.4g" % v) for v in m.mean(1)])
    print("FEATURE_SCALE =", [float("%.4g" % v) for v in m.std(1)])
