#!/usr/bin/env bash
# Checks that the `gpu` Maven profile resolves and packages: ONNX Runtime's CUDA artifact replaces the CPU one.
# Not part of `mvn -B verify` (the CUDA jar is ~490 MB). Needs no GPU: it only resolves and packages.
#
#   docker/check-gpu-profile.sh            # from anywhere; leaves topology/target clean afterwards
#   KEEP=1 docker/check-gpu-profile.sh     # keep the GPU build in topology/target (e.g. to run it on a CUDA host)
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() {
  if [ "${KEEP:-0}" != "1" ]; then
    # a GPU lib/ left behind would be picked up by a later CPU `package` run's Docker COPY
    mvn -B -q clean -pl topology >/dev/null
  fi
}
trap cleanup EXIT

mvn -B -Pgpu -DskipTests clean package -pl topology -am

lib=topology/target/lib
gpu=$(ls "$lib" | grep -E '^onnxruntime_gpu-[0-9.]+\.jar$' || true)
cpu=$(ls "$lib" | grep -E '^onnxruntime-[0-9.]+\.jar$' || true)
classpath=$(unzip -p topology/target/anyup-streams.jar META-INF/MANIFEST.MF | tr -d '\r\n ' )

fail=0
if [ -z "$gpu" ]; then echo "FAIL: no onnxruntime_gpu jar in $lib"; fail=1; fi
if [ -n "$cpu" ]; then echo "FAIL: the CPU onnxruntime jar is still in $lib: $cpu"; fail=1; fi
if [ -n "$gpu" ] && ! grep -q "lib/$gpu" <<<"$classpath"; then echo "FAIL: $gpu is not on the jar's Class-Path"; fail=1; fi
if grep -qE 'lib/onnxruntime-[0-9]' <<<"$classpath"; then echo "FAIL: the CPU onnxruntime jar is on the Class-Path"; fail=1; fi
if [ "$fail" = 0 ]; then
  echo "OK: -Pgpu packages $gpu ($(du -h "$lib/$gpu" | cut -f1)) instead of the CPU runtime"
fi
exit "$fail"
