"""anyup_export: build anyup-streams model bundles (ONNX graphs + manifest + reference tensors).

Run from ``models/export``: ``/usr/bin/python3 -m anyup_export --help``.
Dependencies: stdlib, torch, onnx, numpy (PIL / scikit-image only for the image and fixture commands).
"""

__version__ = "0.1.0"
