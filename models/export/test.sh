#!/usr/bin/env bash
# Tests of the model-export tool (offline; stand-in modules only). Needs Debian's python3-torch / python3-onnx /
# python3-numpy / python3-pil for /usr/bin/python3. Exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
cd "$here"
exec "$PY" -W ignore -m unittest discover -s "$here/tests" -t "$here/tests" "$@"
