#!/usr/bin/env bash
# Rebuilds the tiny FeatUp JBU test bundle in this folder (FeatUpBundleTest): the export tool's stand-in conv encoder
# (8 channels, patch 14) and `--upsampler featup-jbu` (the tool's own JBU stack, seeded, ChannelNorm on) at 56x56,
# with reference tensors from upstream's maths in PyTorch. Needs Debian's /usr/bin/python3 (torch, onnx); ~20 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export_dir="$here/../../../../../../../../../export"
cd "$export_dir"
PYTHONPATH="$export_dir/tests" /usr/bin/python3 -W ignore -m anyup_export export "$here/.bundle" \
    --encoder fake_models:tiny_conv_encoder --upsampler featup-jbu --seed 7 --sizes 56 \
    --name featup-tiny --version 1.0.0 --encoder-name tiny-conv --overwrite
cp -r "$here/.bundle/." "$here/"
rm -rf "$here/.bundle"
