#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: install onnxruntime-gpu and this package in a scratch venv,
# check that CUDA is visible to onnxruntime, and print bench/bench.py's JSON with --device cuda.
#
#   bash bench/gpu_check.sh [extra bench.py arguments, e.g. --sessions 12]
#
# Needs python3 (3.11+), the NVIDIA driver, and the CUDA 12 / cuDNN 9 runtime onnxruntime-gpu
# expects. The official fp32 model is downloaded on first use.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$(mktemp -d "${TMPDIR:-/tmp}/kokoro-gpu.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "$repo"
# The CPU build comes in with the package's dependencies: replace it with the GPU build.
"$venv/bin/pip" uninstall --quiet --yes onnxruntime
"$venv/bin/pip" install --quiet onnxruntime-gpu

"$venv/bin/python" - <<'PY'
import sys

import onnxruntime

providers = onnxruntime.get_available_providers()
print("onnxruntime", onnxruntime.__version__, "providers:", providers, file=sys.stderr)
if "CUDAExecutionProvider" not in providers:
    sys.exit("CUDAExecutionProvider is missing: check the driver and the CUDA/cuDNN libraries")
PY

cd "$repo"
PYTHONPATH="$repo" "$venv/bin/python" bench/bench.py --device cuda "$@"
