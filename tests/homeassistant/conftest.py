"""Shared fixtures for the Home Assistant tests (run in ``.venv-ha``, see ``script/setup-ha``).

These tests run real Home Assistant (via pytest-homeassistant-custom-component) against a real
Kokoro Live server. Fixtures:

``entry``, ``entity_id``, ``entity``
    A loaded entry for ``kokoro_server`` (titled as the user flow titles it, address
    included), its TTS entity's id and the entity object; ``async_load_entry`` loads one for
    any port (the ``scripted`` server's, say).

``scripted``
    A stand-in server on a free 127.0.0.1 port that answers ``/voices`` with ``voices``
    (status, body) and live sessions with ``frames`` (recording what it ``received``): for
    clients facing a server that breaks the protocol, or one older than a field.

``hass``
    The plugin's test instance, with a temporary config dir (see ``hass_config_dir``), and
    custom integrations enabled (autouse ``auto_enable_custom_integrations``), so
    ``custom_components/kokoro_live`` from this repository loads.

``kokoro_server`` (session scope)
    One real server subprocess for the whole session (the model takes seconds to load), run
    from the project's main environment (``.venv``): ``python -m wyoming_kokoro`` serving
    ``/ws/tts/live`` on ``kokoro_server.live_port`` and Wyoming on
    ``kokoro_server.wyoming_port``, both on 127.0.0.1, language en-us. A test that takes the
    server down with ``stop()`` / ``await async_stop()`` must bring it back with ``start()`` /
    ``await async_start()`` (same ports), so later tests find it running.

The plugin blocks sockets in tests: every test that talks to the server must request
``socket_enabled``, and use ``127.0.0.1`` (``localhost`` needs DNS, which is blocked).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
#: The model loads in seconds, but the CPU may be shared with other work.
STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0

# Home Assistant imports custom integrations as the ``custom_components`` package.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from custom_components.kokoro_live.const import DOMAIN  # noqa: E402
from custom_components.kokoro_live.tts import KokoroLiveTTSEntity  # noqa: E402


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load ``custom_components/`` from this repository."""


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A throwaway config dir, so the tts cache never writes into the source tree."""
    return hass_tmp_config_dir


@contextlib.contextmanager
def _real_sockets() -> Iterator[None]:
    """Let the fixture itself reach 127.0.0.1 while the plugin blocks sockets in tests.

    pytest-socket swaps the socket module's functions for guards whose refusals fail the
    running test ("the test opens sockets"); this puts back the real ones for a moment and then
    restores whatever the test had, so ``socket_enabled`` keeps meaning what it says.
    """
    import pytest_socket

    saved = (socket.socket, socket.getaddrinfo, socket.gethostbyname)
    pytest_socket.enable_socket()
    try:
        yield
    finally:
        socket.socket, socket.getaddrinfo, socket.gethostbyname = saved  # type: ignore[misc]


def _free_port() -> int:
    """A port nobody listens on right now (the server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with _real_sockets():
        return _free_port()


def _healthy(live_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{live_port}/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError, urllib.error.URLError:
        return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class KokoroServer:
    """A real Kokoro Live server process, restartable on the same ports."""

    host: str
    live_port: int
    wyoming_port: int
    log_path: Path
    #: More flags (``--api-key ...``).
    args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def live_url(self) -> str:
        """Base URL of the live server (``/ws/tts/live``, ``/health``, ``/voices``)."""
        return f"http://{self.host}:{self.live_port}"

    @property
    def wyoming_uri(self) -> str:
        """``tcp://`` URI of the Wyoming server."""
        return f"tcp://{self.host}:{self.wyoming_port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        """The command line, run with the main environment's Python."""
        python = REPO_ROOT / ".venv" / "bin" / "python"
        if not python.exists():
            pytest.fail(f"{python} is missing: run script/setup first")
        return [
            str(python),
            "-m",
            "wyoming_kokoro",
            "--live-host",
            self.host,
            "--live-port",
            str(self.live_port),
            "--uri",
            self.wyoming_uri,
            "--language",
            "en-us",
            *self.args,
        ]

    def start(self) -> None:
        """Start the server and block until both servers answer (or fail with its log)."""
        if self.running:
            return
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with _real_sockets():
            while not (_healthy(self.live_port) and _accepts(self.wyoming_port)):
                if self.process.poll() is not None:
                    pytest.fail(
                        f"Kokoro Live server exited with code {self.process.returncode}:\n"
                        f"{self.log_tail()}"
                    )
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(
                        f"Kokoro Live server not ready after {STARTUP_TIMEOUT:.0f} s:\n"
                        f"{self.log_tail()}"
                    )
                time.sleep(0.2)

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL) and wait for it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): a crash, where ``stop()`` lets it drain."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None

    async def async_kill(self) -> None:
        """``kill()`` without blocking the event loop."""
        await asyncio.to_thread(self.kill)

    async def async_start(self) -> None:
        """``start()`` without blocking the event loop."""
        await asyncio.to_thread(self.start)

    async def async_stop(self) -> None:
        """``stop()`` without blocking the event loop."""
        await asyncio.to_thread(self.stop)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed, for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def kokoro_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KokoroServer]:
    """One real Kokoro Live server for the session; see the module docstring."""
    yield from _serve(tmp_path_factory)


#: The key of :func:`keyed_kokoro_server`.
API_KEY = "kl-ha-test-key-3c2b1a0f9e"


@pytest.fixture(scope="session")
def keyed_kokoro_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KokoroServer]:
    """A real Kokoro Live server that needs :data:`API_KEY`."""
    yield from _serve(tmp_path_factory, "--api-key", API_KEY)


def _serve(tmp_path_factory: pytest.TempPathFactory, *args: str) -> Iterator[KokoroServer]:
    with _real_sockets():
        live_port, wyoming_port = _free_port(), _free_port()
        while wyoming_port == live_port:
            wyoming_port = _free_port()
    server = KokoroServer(
        host=HOST,
        live_port=live_port,
        wyoming_port=wyoming_port,
        log_path=tmp_path_factory.mktemp("kokoro-server") / "server.log",
        args=args,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Scripted:
    """A server that answers ``/voices`` and live sessions from a script."""

    port: int
    frames: list[str | bytes] = field(default_factory=list)
    voices: tuple[int, bytes] = (200, b"{}")
    received: list[str | bytes] = field(default_factory=list)


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    """Start the scripted server on a free port."""
    script = Scripted(port=0)

    async def session(connection: ServerConnection) -> None:
        script.received.append(await connection.recv())
        for frame in script.frames:
            await connection.send(frame)
        async for message in connection:
            script.received.append(message)

    def http(connection: ServerConnection, request: Request) -> Response | None:
        if request.path != "/voices":
            return None
        status, body = script.voices
        headers = Headers([("Content-Length", str(len(body))), ("Connection", "close")])
        return Response(status, "Scripted", headers, body)

    async with serve(session, HOST, 0, process_request=http) as server:
        script.port = next(iter(server.sockets)).getsockname()[1]
        yield script


async def async_load_entry(hass: HomeAssistant, port: int) -> MockConfigEntry:
    """Add and set up an entry for 127.0.0.1:``port``, as the user flow would create it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Kokoro Live ({HOST}:{port})",
        unique_id=f"{HOST}:{port}",
        data={CONF_HOST: HOST, CONF_PORT: port},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def entry(hass: HomeAssistant, kokoro_server: KokoroServer) -> AsyncIterator[MockConfigEntry]:
    """A loaded entry for the real server."""
    entry = await async_load_entry(hass, kokoro_server.live_port)
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def entity_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The entry's TTS entity."""
    entity_id = er.async_get(hass).async_get_entity_id("tts", DOMAIN, entry.entry_id)
    assert entity_id is not None
    return entity_id


@pytest.fixture
def entity(hass: HomeAssistant, entity_id: str) -> KokoroLiveTTSEntity:
    """The entity object, for the calls Home Assistant makes on it."""
    engine = get_engine_instance(hass, entity_id)
    assert isinstance(engine, KokoroLiveTTSEntity)
    return engine
