"""Makes the tests independent of the working directory: puts models/export (the anyup_export package) and this
folder (fake_models) on sys.path, and names the repository paths the tests read."""

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT_DIR = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(EXPORT_DIR, "..", ".."))
DEFAULT_BUNDLE = os.path.join(REPO, "models", "src", "main", "resources", "dev", "anyup", "streams", "models",
                              "default-bundle")
FIXTURES = os.path.join(REPO, "models", "src", "test", "resources", "fixtures", "preprocess")
TEST_IMAGES = os.path.join(REPO, "models", "src", "test", "resources", "images")
DEMO_SAMPLES = os.path.join(REPO, "topology", "src", "main", "resources", "samples")

for p in (EXPORT_DIR, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

# torch.onnx's tracer warnings are noise in test output.
warnings.filterwarnings("ignore", category=UserWarning)
try:
    from torch.jit import TracerWarning
    warnings.filterwarnings("ignore", category=TracerWarning)
except ImportError:  # pragma: no cover
    pass
