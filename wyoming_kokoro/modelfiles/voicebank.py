"""The 54 official Kokoro v1.0 voices, assembled once from the ``kokoro-js`` package.

The npm package ``kokoro-js`` ships every official voice as ``package/voices/<name>.bin``: raw
little-endian float32, 510 x 256 values (the arrays of the official voices file). The ordinary npm
client fetches it by name and pinned version (``npm pack``); every voice is checked against the
sha256 pinned here before it is written, and the bank goes to the cache folder as the npz the
engine loads: written to a temporary file, renamed into place, then marked verified. A failed or
killed assembly leaves no usable bank behind; a cached bank is used only while it still matches
its marker.

Run ``python -m wyoming_kokoro.voicebank`` to assemble it (``--tarball`` takes a
package tarball fetched elsewhere, as the container build does). Blocking: call from a thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

import numpy as np

from .common import CHUNK_BYTES, ModelError, atomic_write_text, hash_stream, marker_path

_LOGGER = logging.getLogger(__name__)

KOKORO_JS = "kokoro-js"
KOKORO_JS_VERSION = "1.2.1"
KOKORO_JS_SPEC = f"{KOKORO_JS}@{KOKORO_JS_VERSION}"
TARBALL_NAME = f"{KOKORO_JS}-{KOKORO_JS_VERSION}.tgz"
TARBALL_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"

#: A read-only folder holding a bank assembled ahead of time (a container image's), looked in
#: after the cache folder.
BANK_DIR_ENV = "KOKORO_LIVE_BANK_DIR"

#: The bank's file name in the cache folder.
BANK_FILENAME = f"voices-v1.0-{KOKORO_JS}-{KOKORO_JS_VERSION}.npz"

#: One voice: 510 style vectors (one per phoneme count) of 256 values.
VOICE_SHAPE = (510, 1, 256)
VOICE_BYTES = 510 * 256 * 4

#: How to get the bank, for messages that say what to do.
GET_BANK_HINT = (
    "install npm (Debian: sudo apt-get install npm) and run: python -m wyoming_kokoro.voicebank"
)

#: Seconds ``npm pack`` may take.
NPM_TIMEOUT = 300.0

#: A leftover temporary file older than this belongs to an assembly that was killed.
STALE_SECONDS = 3600.0

_VOICE_MEMBER = re.compile(r"package/voices/([a-z]{2}_[a-z]+)\.bin")

#: sha256 of every ``package/voices/<name>.bin`` of kokoro-js 1.2.1.
VOICE_SHA256: Mapping[str, str] = MappingProxyType(
    {
        "af_alloy": "c4a6b876047fd7fb472edf4ebd63cfac7c3b958a7cae7c106e8f038ca6308c45",
        "af_aoede": "4a004c33430762e2461eedb2013fad808ef4ab3121f5300f554476caf58d8361",
        "af_bella": "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
        "af_heart": "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
        "af_jessica": "a240a5e3c15b43563d6e923bdca8ef5613a23471d9b77653694012435df23bd8",
        "af_kore": "9be5221b6a941c04b561959b8ff0b06e809444dcc4ab7e75a7b23606f691819e",
        "af_nicole": "cd2191ab31b914ed7b318416b0e4440fdf392ddad9106a060819aa600a64f59a",
        "af_nova": "18778272caa0d0eebaea251c35fd635f038434f9eee5e691d02a174bd328414f",
        "af_river": "00a2bcf82b1d86e8f19902ede58c65ccf6c0e43b44b7d74fad54e5d8933c9c30",
        "af_sarah": "4409fbc125afabacc615d94db5398d847006a737b0247d6892b7a9a0007a2f0a",
        "af_sky": "4435255c9744f3f31659e0d714ab7689bf65d9e77ec1cce060f083912614f0b9",
        "am_adam": "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
        "am_echo": "3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3",
        "am_eric": "e8b5be17edd1e3636901ce7598baafe2dc8dd8ff707a0c23bf9e461add7e2832",
        "am_fenrir": "c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43",
        "am_liam": "52403be32fd047c6a44517cb0bcd6b134f2a18baa73e70ef41651e0eab921ade",
        "am_michael": "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",
        "am_onyx": "da5d135b424164916d75a68ffb4c2abce3d7d5ccc82dd1ee6cf447ce286145e6",
        "am_puck": "fcf73c989033e9233e0b98713eca600c8c74dcc1614b37009d5450ff4a2274a0",
        "am_santa": "61150cf726ab6c5ed7a99f90a304f91f5a72c00c592e89ec94e5df11c319227a",
        "bf_alice": "08afa6ba24da61ea5e8efa139e5aadc938d83f0a6da5a900adaf763ac1da5573",
        "bf_emma": "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
        "bf_isabella": "3754352c4aaa46d17f27654ab7518d65b62ad6163a0f55a5f4330c2da2c4e94f",
        "bf_lily": "5e0ee32ebe64a467124976b14e69590746f1c4ce41a12b587a50c862edfea335",
        "bm_daniel": "6b3194bbceffb746733cbc22c8f593dd44e401a71d53895a2dca891bc595a1e8",
        "bm_fable": "f889083196807b4adb15e9204252165f503b8d33d3982e681c52443c49d798f1",
        "bm_george": "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
        "bm_lewis": "b8f671cef828c30e66fdf0b0756a76bba58f6bb3398cbbf27058642acbcedb97",
        "ef_dora": "f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532",
        "em_alex": "27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95",
        "em_santa": "ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683",
        "ff_siwis": "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861",
        "hf_alpha": "040be6a4425411cc01fda5fd06693c76bfa78572632852bc8cda9c99232ffb56",
        "hf_beta": "cd83ae0bb9b2e4e4fb92b4973bd8d1822ca0036d3c498bf4fc89aa8e33917cc7",
        "hm_omega": "b02d9222d9ed00ce26b302173a862c2c93f96cc40b5c422b8d14910b9ff34137",
        "hm_psi": "644daf88ba8aeb7bd08950bbdcd4453bb280864e49dc4df93fabc6be32e03f37",
        "if_sara": "409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c",
        "im_nicola": "bc578e510d52a96d6940d46f12e96d7b3df00905dbea075113226d100e6e1ab0",
        "jf_alpha": "56b479360aad9f367aeb8cef908f9201cf48b4555e488c5f4590c9dfcd978bb6",
        "jf_gongitsune": "0f1181f3772d27b7c12aaf4bcd71e31b186c4146e330d074a3dc64ee392af396",
        "jf_nezumi": "13cb71eebb0b48739d444558322aa35a8c9a489b80e1e631f14d2e6aea93026b",
        "jf_tebukuro": "29c6c0561b4288d59639677bebe7533c919743d5ea68d0d2ae992644beea6696",
        "jm_kumo": "09e959d239724c734d65661f06f14cdabcddfd476bfaaad905a937099ae9e64f",
        "pf_dora": "3da7b5b2d91847ebf5646f57631af6ececae3c29a89cd300f06edf9aa6cfe9ee",
        "pm_alex": "0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a",
        "pm_santa": "8b012db3185778afe2e45a62cbad69db73021774fe68dda634bcc748a982eede",
        "zf_xiaobei": "5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640",
        "zf_xiaoni": "08892b62a39af0a615cd0581238db7e19e44c578e8fa0bfd0e586e93327d9cba",
        "zf_xiaoxiao": "03adb5d5e3ddd88b047954e974e651cb0a4b524c985057e5d872e962c7be1169",
        "zf_xiaoyi": "bc1555c5c486099196ac254bae5e0bb543c121952a3092f50b7d8724f1bc36b3",
        "zm_yunjian": "de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa",
        "zm_yunxi": "7243892fb4e560d47014090ddf010f8b8b790f3c6b029ff82b2ac06aa4e27c8b",
        "zm_yunxia": "6b2b8fc15b3df19a368daebe5c581c7fabf433ee5b8a17ffd6b3d723cff8936d",
        "zm_yunyang": "261e2c89470534dbbcb8fd98b8fdc495ec94063d9bb6c8277f7be43cccba3f42",
    }
)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        hash_stream(source, digest)
    return digest.hexdigest()


def cached_voice_bank(cache_dir: Path) -> Path | None:
    """The assembled bank in ``cache_dir`` if it still matches its marker, else None.

    The file is re-hashed (cheap next to loading the model): a bank changed or damaged since
    it was written is refused, with a warning naming it.
    """
    bank = cache_dir / BANK_FILENAME
    if not bank.is_file():
        return None
    try:
        recorded = marker_path(bank).read_text(encoding="ascii").split()
        actual = _file_sha256(bank)
    except (OSError, UnicodeDecodeError):
        recorded, actual = [], ""
    if recorded[:1] != [actual]:
        _LOGGER.warning(
            "Refusing the voice bank %s: it does not match the sum recorded when it was "
            "assembled (damaged or changed since)",
            bank,
        )
        return None
    return bank


def npm_pack(dest_dir: Path, *, npm: str = "npm") -> Path:
    """Fetch the pinned ``kokoro-js`` tarball into ``dest_dir`` with the npm client."""
    executable = shutil.which(npm)
    if executable is None:
        raise ModelError(f"npm is not installed, so the {KOKORO_JS} voices cannot be fetched")
    command = [
        executable,
        "pack",
        KOKORO_JS_SPEC,
        "--pack-destination",
        str(dest_dir),
        "--ignore-scripts",
        "--silent",
    ]
    _LOGGER.info("Fetching %s with npm", KOKORO_JS_SPEC)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise ModelError(f"npm pack {KOKORO_JS_SPEC} took over {NPM_TIMEOUT:.0f} s") from err
    except OSError as err:
        raise ModelError(f"Cannot run npm: {err.strerror or err}") from err
    tarball = dest_dir / TARBALL_NAME
    if result.returncode != 0 or not tarball.is_file():
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or f"exit {result.returncode}"
        raise ModelError(f"npm pack {KOKORO_JS_SPEC} failed: {detail}")
    return tarball


def assemble_voice_bank(cache_dir: Path, *, tarball: Path | None = None, npm: str = "npm") -> Path:
    """The 54-voice bank in ``cache_dir``: the cached one, else assembled and verified.

    ``tarball`` is the ``kokoro-js`` package fetched elsewhere; without it, npm fetches it
    into a temporary folder. Raises :class:`ModelError` naming any file that fails its check.
    """
    cached = cached_voice_bank(cache_dir)
    if cached is not None:
        return cached
    if tarball is not None:
        return _assemble(tarball, cache_dir)
    with tempfile.TemporaryDirectory(prefix="kokoro-js-") as folder:
        return _assemble(npm_pack(Path(folder), npm=npm), cache_dir)


class _HashingReader:
    """A read-only file that feeds every byte read into a digest."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK_BYTES):
            pass


def _assemble(tarball: Path, cache_dir: Path) -> Path:
    bank = cache_dir / BANK_FILENAME
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale(cache_dir)
        fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{bank.name}.", suffix=".tmp")
    except OSError as err:
        raise ModelError(
            f"Cannot write the voice bank to {cache_dir}: {err.strerror or err}. "
            "Set KOKORO_LIVE_CACHE to a writable folder."
        ) from err
    tmp = Path(tmp_name)
    _LOGGER.info("Assembling the voice bank %s from %s", bank, tarball.name)
    try:
        with os.fdopen(fd, "wb") as sink:
            _write_bank(tarball, sink)
            sink.flush()
            os.fsync(sink.fileno())
        digest = _file_sha256(tmp)
        tmp.chmod(0o644)  # mkstemp's private mode would hide the bank from other users
        tmp.replace(bank)
        atomic_write_text(marker_path(bank), f"{digest}\n")
    except OSError as err:
        raise ModelError(
            f"Cannot write the voice bank to {cache_dir}: {err.strerror or err}. "
            "Set KOKORO_LIVE_CACHE to a writable folder with 30 MB free."
        ) from err
    finally:
        tmp.unlink(missing_ok=True)
    _LOGGER.info("Assembled and verified %d voices in %s", len(VOICE_SHA256), bank)
    return bank


def _write_bank(tarball: Path, sink: BinaryIO) -> None:
    """Stream the tarball's voices, each checked, into ``sink`` as an npz; check the tarball."""
    found: set[str] = set()
    try:
        with tarball.open("rb") as raw:
            reader = _HashingReader(raw)
            with (
                tarfile.open(fileobj=reader, mode="r|gz") as archive,  # type: ignore[call-overload]
                zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as bank,
            ):
                for member in archive:
                    match = _VOICE_MEMBER.fullmatch(member.name)
                    if match is None or match[1] not in VOICE_SHA256 or not member.isfile():
                        continue
                    source = archive.extractfile(member)
                    data = source.read() if source is not None else b""
                    _write_voice(bank, match[1], _checked(match[1], data, tarball))
                    found.add(match[1])
            reader.drain()
    except (tarfile.TarError, EOFError, zipfile.BadZipFile) as err:
        raise ModelError(f"{tarball} is not a readable {KOKORO_JS} package: {err}") from err
    missing = sorted(set(VOICE_SHA256) - found)
    if missing:
        raise ModelError(f"{tarball} lacks the voices {', '.join(missing)}")
    got = reader.digest.hexdigest()
    if got != TARBALL_SHA256:
        raise ModelError(
            f"{tarball} fails its sha256 check (got {got}, expected {TARBALL_SHA256}): "
            f"it is not {KOKORO_JS_SPEC}"
        )


def _checked(name: str, data: bytes, tarball: Path) -> bytes:
    got = hashlib.sha256(data).hexdigest()
    if got != VOICE_SHA256[name]:
        raise ModelError(
            f"voices/{name}.bin in {tarball} fails its sha256 check "
            f"(got {got}, expected {VOICE_SHA256[name]}); refusing the voice bank"
        )
    return data


def _write_voice(bank: zipfile.ZipFile, name: str, data: bytes) -> None:
    """One voice as ``<name>.npy`` in the npz (fixed timestamp: the same bytes every time)."""
    array = np.frombuffer(data, dtype="<f4").reshape(VOICE_SHAPE)
    entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    with bank.open(entry, "w") as out:
        np.lib.format.write_array(out, array, allow_pickle=False)


def _remove_stale(cache_dir: Path) -> None:
    """Delete temporary files that killed assemblies left (never used, only untidy)."""
    cutoff = time.time() - STALE_SECONDS
    for leftover in cache_dir.glob(f".{BANK_FILENAME}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            continue
