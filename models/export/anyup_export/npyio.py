"""Small helpers: sha256, deterministic .npy writing (npy v1, little-endian, C order)."""

import hashlib
import os

import numpy as np


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_npy(path, array, dtype="<f4"):
    """Write ``array`` as a standard npy v1 file with an explicit little-endian dtype."""
    arr = np.ascontiguousarray(np.asarray(array).astype(np.dtype(dtype)))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)
    return path


def load_npy(path):
    return np.load(path, allow_pickle=False)
