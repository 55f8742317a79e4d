"""Key rotation in a real server process: ``--api-key-file`` read again on SIGHUP, the key of
``KOKORO_LIVE_API_KEY`` beside it, and a log that never shows a key."""

from __future__ import annotations

import asyncio
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from wyoming_kokoro.cli import parse_settings
from wyoming_kokoro.config import API_KEY_ENV

from .serverproc import ServerProcess

OLD_KEY = "kl-old-key-0f1e2d3c4b5a"
NEW_KEY = "kl-new-key-a5b4c3d2e1f0"
NEXT_KEY = "kl-next-key-99887766554"
ENV_KEY = "kl-env-key-1234567890ab"


def status_with(port: int, key: str) -> int:
    """The status of ``GET /voices`` with ``key`` as a bearer token."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/voices", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


async def statuses(port: int, *keys: str) -> list[int]:
    return [await asyncio.to_thread(status_with, port, key) for key in keys]


async def wait_for_log(server: ServerProcess, text: str, count: int) -> None:
    for _ in range(200):
        if server.log_text().count(text) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} not logged {count} times:\n{server.log_text()}")


async def test_two_keys_rotated_with_sighup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"# rotated weekly\n{OLD_KEY}\n\n{NEW_KEY}\n")
    monkeypatch.setenv(API_KEY_ENV, ENV_KEY)
    server = ServerProcess("keys", ("--no-wyoming", "--api-key-file", str(key_file)))
    await server.start()
    try:
        await server.wait_ready()
        port = server.live_port
        assert port is not None
        assert await statuses(port, OLD_KEY, NEW_KEY, ENV_KEY, NEXT_KEY) == [200, 200, 200, 401]

        # Clients move to the new key; the old one goes, the next one comes.
        key_file.write_text(f"{NEW_KEY}\n{NEXT_KEY}\n")
        server.signal(signal.SIGHUP)
        await wait_for_log(server, "API keys reloaded", 1)
        assert await statuses(port, OLD_KEY, NEW_KEY, ENV_KEY, NEXT_KEY) == [401, 200, 200, 200]

        # A file that cannot be read keeps the keys in use.
        key_file.unlink()
        server.signal(signal.SIGHUP)
        await wait_for_log(server, "API keys not reloaded", 1)
        assert await statuses(port, OLD_KEY, NEW_KEY, NEXT_KEY) == [401, 200, 200]
        server.check_running()
    finally:
        await server.stop()
    log = server.log_text()
    assert "Refused a request from 127.0.0.1" in log
    for key in (OLD_KEY, NEW_KEY, NEXT_KEY, ENV_KEY):
        assert key[:10] not in log


def test_keys_from_flags_environment_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(API_KEY_ENV, ENV_KEY)
    settings = parse_settings(["--api-key", OLD_KEY, "--api-key", NEW_KEY, "--public-metrics"])
    assert settings.api_keys == (OLD_KEY, NEW_KEY, ENV_KEY)
    assert settings.public_metrics
    monkeypatch.setenv(API_KEY_ENV, "with space")
    with pytest.raises(SystemExit):
        parse_settings([])
    assert "The API key from $KOKORO_LIVE_API_KEY has characters" in capsys.readouterr().err
    monkeypatch.delenv(API_KEY_ENV)
    assert parse_settings([]).api_keys == ()

    for argv, message in (
        (["--api-key", "has space"], "visible ASCII"),
        (["--api-key-file", str(tmp_path / "missing")], "Cannot read the API key file"),
    ):
        with pytest.raises(SystemExit) as exited:
            parse_settings(argv)
        assert exited.value.code == 2
        error = capsys.readouterr().err
        assert message in error and "has space" not in error
