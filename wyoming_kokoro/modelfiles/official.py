"""The official kokoro-onnx v1.0 release files: names, sha256 sums and download URLs.

Written once: the embedded model is the release's int8 file, assembled from registry parts,
so its name and sum come from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

OFFICIAL_BASE_URL = "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0"


@dataclass(frozen=True)
class OfficialFile:
    """One file of the official kokoro-onnx release."""

    filename: str
    sha256: str
    url: str


def _official(filename: str, sha256: str) -> OfficialFile:
    return OfficialFile(filename, sha256, f"{OFFICIAL_BASE_URL}/{filename}")


#: The official release files by ``--model`` name, plus ``voices``.
OFFICIAL_FILES: Mapping[str, OfficialFile] = MappingProxyType(
    {
        "fp32": _official(
            "kokoro-v1.0.onnx", "7d5df8ecf7d4b1878015a32686053fd0eebe2bc377234608764cc0ef3636a6c5"
        ),
        "fp16": _official(
            "kokoro-v1.0.fp16.onnx",
            "c1610a859f3bdea01107e73e50100685af38fff88f5cd8e5c56df109ec880204",
        ),
        "int8": _official(
            "kokoro-v1.0.int8.onnx",
            "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
        ),
        "voices": _official(
            "voices-v1.0.bin", "bca610b8308e8d99f32e6fe4197e7ec01679264efed0cac9140fe9c29f1fbf7d"
        ),
    }
)
