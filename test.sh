#!/usr/bin/env bash
# The project's one test command: installs what the tests need when it is missing, then runs every test.
# Installs (Debian, as root, only when missing): chromium + chromium-driver for the console's browser test, and
# python3-torch/python3-onnx/python3-numpy/python3-pil for the model-export tool's tests (PyPI is not needed).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v chromedriver >/dev/null 2>&1 || need+=(chromium chromium-driver)
/usr/bin/python3 -c 'import torch, onnx, numpy, PIL' >/dev/null 2>&1 \
  || need+=(python3-torch python3-onnx python3-numpy python3-pil)
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: missing ${need[*]} and no apt-get to install them (Debian/Ubuntu packages)" >&2
    exit 2
  fi
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "test.sh: installing ${need[*]} (Debian packages the tests use) ..."
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

# the model-export tool's offline tests (Python, stand-in modules only) and the bench's Python event codec
models/export/test.sh
/usr/bin/python3 -W ignore -m unittest discover -s bench/python -t bench/python
# the real-architecture pair (DINOv2 ViT-S/14 + AnyUp structure, seeded weights, ~90 MB, ~30 s to export; never
# committed) for the exactness tests that need it (ProbeHeadTest: the in-graph probe vs PyTorch's features)
real="$PWD/models/target/vits14-anyup-seeded"
if [ ! -f "$real/manifest.json" ]; then
  (cd models/export && /usr/bin/python3 -m anyup_export.bench_models "$real" >/dev/null 2>&1)
fi
# unit + integration tests: real KRaft broker, real Apicurio registry, real Chromium
mvn -B verify -Danyup.test.realBundle="$real"
