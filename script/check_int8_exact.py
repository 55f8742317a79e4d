"""Check, on this CPU, that the int8 rewrite (ConvInteger as MatMulInteger) leaves the audio bit
for bit the same: the embedded model run as exported and as rewritten, on the same input.

The rewrite is applied wherever the CPU's integer GEMM is exact and fast (x86 with VNNI, every
aarch64); ``script/check-arm64`` runs this inside its arm64 root, where onnxruntime takes its
ARM kernels. Needs the embedded model assembled (a server started once). Exits 1 on a difference.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import onnxruntime as ort

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine.int8_rewrite import cpu_has_vnni, load_model_bytes
from wyoming_kokoro.modelfiles import resolve_model_files

#: "Hello" as Kokoro tokens, padded: short, so the check stays quick under emulation.
TOKENS = np.array([[0, 50, 83, 156, 43, 102, 16, 0]], dtype=np.int64)


def main() -> int:
    """Run both graphs and compare their samples."""
    files = resolve_model_files(Settings())
    original = load_model_bytes(files.model, enabled=False)
    rewritten = load_model_bytes(files.model)
    voices = np.load(files.voices)
    style = voices[sorted(voices.files)[0]][TOKENS.shape[1] - 2]
    inputs = {"tokens": TOKENS, "style": style, "speed": np.array([1.0], dtype=np.float32)}
    audio = []
    for model in (original, rewritten):
        start = time.monotonic()
        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        audio.append(np.asarray(session.run(None, inputs)[0]))
        print(f"inference: {time.monotonic() - start:.1f} s")
    print(f"rewrite applied on this CPU: {cpu_has_vnni()}; graphs differ: {original != rewritten}")
    if original == rewritten or audio[0].size == 0 or not np.array_equal(audio[0], audio[1]):
        print("int8 rewrite: the audio differs (or nothing was rewritten)", file=sys.stderr)
        return 1
    print(f"int8 rewrite: bit-identical audio ({audio[0].size} samples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
