"""Discovery against a real local HTTP server standing in for the Supervisor."""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from wyoming_kokoro.addon.supervisor import (
    LIVE_SERVICE,
    WYOMING_SERVICE,
    DiscoveryService,
    addon_hostname,
    announce,
    services_for,
)
from wyoming_kokoro.cli import build_parser, settings_from_args

TOKEN = "test-token-123"
HOSTNAME = "a0d7b954-kokoro-live"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeSupervisor:
    """A real HTTP server on 127.0.0.1 that records requests and answers from a script."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    #: (method, path) -> answers to give in order; the last one repeats.
    script: dict[tuple[str, str], list[tuple[int, object]]] = field(default_factory=dict)

    def answer(self, method: str, path: str) -> tuple[int, object]:
        answers = self.script.get((method, path))
        if not answers:
            return 404, {"result": "error", "message": "not found"}
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]


def _ok(data: object) -> tuple[int, object]:
    return 200, {"result": "ok", "data": data}


@pytest.fixture
def supervisor() -> Iterator[FakeSupervisor]:
    fake = FakeSupervisor()
    fake.script[("GET", "/addons/self/info")] = [_ok({"hostname": HOSTNAME, "slug": "x"})]
    fake.script[("POST", "/discovery")] = [_ok({"uuid": "0123"})]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                fake.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
                status, answer = fake.answer(self.command, self.path)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def _no_supervisor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    monkeypatch.delenv("SUPERVISOR_URL", raising=False)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _default_services() -> list[DiscoveryService]:
    return services_for(settings_from_args(build_parser().parse_args([])))


# --------------------------------------------------------------------------- services


def test_services_for_default_settings() -> None:
    assert _default_services() == [
        DiscoveryService(WYOMING_SERVICE, 10200, scheme="tcp"),
        DiscoveryService(LIVE_SERVICE, 8880),
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--no-live"], [WYOMING_SERVICE]),
        (["--no-wyoming"], [LIVE_SERVICE]),
        (["--uri", "unix:///tmp/kokoro.sock"], [LIVE_SERVICE]),
        (["--uri", "tcp://0.0.0.0:10555", "--live-port", "9000"], [WYOMING_SERVICE, LIVE_SERVICE]),
    ],
)
def test_services_follow_the_settings(flags: list[str], expected: list[str]) -> None:
    services = services_for(settings_from_args(build_parser().parse_args(flags)))
    assert [s.service for s in services] == expected
    if "--live-port" in flags:
        assert [s.port for s in services] == [10555, 9000]


def test_config_forms() -> None:
    assert DiscoveryService(WYOMING_SERVICE, 10200, scheme="tcp").config("h") == {
        "uri": "tcp://h:10200"
    }
    assert DiscoveryService(LIVE_SERVICE, 8880).config("h") == {"host": "h", "port": 8880}


# --------------------------------------------------------------------------- announce


async def test_announce_posts_every_service_with_the_addon_hostname(
    supervisor: FakeSupervisor,
) -> None:
    ok = await announce(_default_services(), supervisor_url=supervisor.url, token=TOKEN)

    assert ok is True
    info, *posts = supervisor.requests
    assert (info.method, info.path) == ("GET", "/addons/self/info")
    assert info.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [(p.path, p.json()) for p in posts] == [
        ("/discovery", {"service": "wyoming", "config": {"uri": f"tcp://{HOSTNAME}:10200"}}),
        ("/discovery", {"service": "kokoro_live", "config": {"host": HOSTNAME, "port": 8880}}),
    ]
    for post in posts:
        assert post.headers["Authorization"] == f"Bearer {TOKEN}"
        assert post.headers["Content-Type"] == "application/json"


async def test_the_live_service_carries_the_api_key_and_the_log_hides_it(
    supervisor: FakeSupervisor, caplog: pytest.LogCaptureFixture
) -> None:
    key = "kl-addon-discovery-key-7"
    services = services_for(settings_from_args(build_parser().parse_args(["--api-key", key])))
    caplog.set_level(logging.INFO)
    assert await announce(services, supervisor_url=supervisor.url, token=TOKEN)
    configs = {p.json()["service"]: p.json()["config"] for p in supervisor.posts()}
    assert configs == {
        "wyoming": {"uri": f"tcp://{HOSTNAME}:10200"},  # Wyoming has no keys
        "kokoro_live": {"host": HOSTNAME, "port": 8880, "api_key": key},
    }
    assert "Announced kokoro_live" in caplog.text
    assert key not in caplog.text and key not in repr(services)


async def test_token_and_url_come_from_the_environment(
    supervisor: FakeSupervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERVISOR_TOKEN", "from-env")
    monkeypatch.setenv("SUPERVISOR_URL", supervisor.url)

    assert await announce(_default_services()) is True
    assert {r.headers["Authorization"] for r in supervisor.requests} == {"Bearer from-env"}
    assert len(supervisor.posts()) == 2


async def test_no_token_skips_with_a_log_line(
    supervisor: FakeSupervisor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wyoming_kokoro.addon.supervisor"):
        ok = await announce(_default_services(), supervisor_url=supervisor.url)

    assert ok is False
    assert supervisor.requests == []
    assert "SUPERVISOR_TOKEN is not set" in caplog.text


async def test_server_error_is_retried(
    supervisor: FakeSupervisor, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor.script[("POST", "/discovery")] = [
        (500, {"result": "error", "message": "busy"}),
        _ok({"uuid": "1"}),
    ]
    services = [DiscoveryService(WYOMING_SERVICE, 10200, scheme="tcp")]

    with caplog.at_level(logging.WARNING, logger="wyoming_kokoro.addon.supervisor"):
        ok = await announce(services, supervisor_url=supervisor.url, token=TOKEN, retry_delay=0.01)

    assert ok is True
    posts = supervisor.posts()
    assert len(posts) == 2
    assert posts[0].body == posts[1].body
    assert "HTTP 500: busy" in caplog.text
    assert "attempt 1 of 5" in caplog.text


async def test_persistent_server_error_gives_up_after_the_attempts(
    supervisor: FakeSupervisor, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor.script[("POST", "/discovery")] = [(503, {"result": "error", "message": "down"})]
    services = [DiscoveryService(LIVE_SERVICE, 8880)]

    with caplog.at_level(logging.ERROR, logger="wyoming_kokoro.addon.supervisor"):
        ok = await announce(
            services, supervisor_url=supervisor.url, token=TOKEN, attempts=3, retry_delay=0.01
        )

    assert ok is False
    assert len(supervisor.posts()) == 3
    assert "Could not announce kokoro_live" in caplog.text
    assert "add it by hand" in caplog.text


async def test_client_error_is_not_retried(
    supervisor: FakeSupervisor, caplog: pytest.LogCaptureFixture
) -> None:
    message = "Add-ons must list services they provide via discovery in their config!"
    supervisor.script[("POST", "/discovery")] = [(403, {"result": "error", "message": message})]

    with caplog.at_level(logging.ERROR, logger="wyoming_kokoro.addon.supervisor"):
        ok = await announce(
            _default_services(), supervisor_url=supervisor.url, token=TOKEN, retry_delay=0.01
        )

    assert ok is False
    assert len(supervisor.posts()) == 2  # one per service, no retries
    assert f"HTTP 403: {message}" in caplog.text


async def test_one_failed_service_does_not_stop_the_other(supervisor: FakeSupervisor) -> None:
    supervisor.script[("POST", "/discovery")] = [(400, {"result": "error"}), _ok({"uuid": "2"})]

    ok = await announce(_default_services(), supervisor_url=supervisor.url, token=TOKEN)

    assert ok is False
    assert [p.json()["service"] for p in supervisor.posts()] == ["wyoming", "kokoro_live"]


async def test_unreachable_supervisor_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _closed_port_url()
    with caplog.at_level(logging.WARNING, logger="wyoming_kokoro.addon.supervisor"):
        ok = await announce(
            _default_services(), supervisor_url=url, token=TOKEN, attempts=2, retry_delay=0.01
        )

    assert ok is False
    assert "Connection refused" in caplog.text
    assert f"using {socket.gethostname()}" in caplog.text


async def test_cancelling_during_retries_stops_promptly(supervisor: FakeSupervisor) -> None:
    supervisor.script[("POST", "/discovery")] = [(500, {"result": "error"})]
    task = asyncio.create_task(
        announce(_default_services(), supervisor_url=supervisor.url, token=TOKEN, retry_delay=60)
    )
    for _ in range(200):
        if supervisor.posts():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)


# --------------------------------------------------------------------------- hostname


async def test_hostname_comes_from_addon_info(supervisor: FakeSupervisor) -> None:
    assert await addon_hostname(supervisor.url, TOKEN) == HOSTNAME
    (info,) = supervisor.requests
    assert info.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "answer",
    [
        (500, {"result": "error", "message": "boom"}),
        (403, {"result": "error"}),
        _ok({"slug": "kokoro_live"}),  # no hostname
        (200, ["not", "an", "object"]),
    ],
)
async def test_hostname_falls_back_to_the_container_hostname(
    supervisor: FakeSupervisor, answer: tuple[int, object], caplog: pytest.LogCaptureFixture
) -> None:
    supervisor.script[("GET", "/addons/self/info")] = [answer]
    with caplog.at_level(logging.WARNING, logger="wyoming_kokoro.addon.supervisor"):
        host = await addon_hostname(supervisor.url, TOKEN)
    assert host == socket.gethostname()
    assert "Cannot ask the Supervisor for the add-on hostname" in caplog.text


async def test_fallback_hostname_is_used_in_the_messages(supervisor: FakeSupervisor) -> None:
    supervisor.script[("GET", "/addons/self/info")] = [(500, {"result": "error"})]

    assert await announce(_default_services(), supervisor_url=supervisor.url, token=TOKEN)
    first = supervisor.posts()[0].json()
    assert first == {
        "service": "wyoming",
        "config": {"uri": f"tcp://{socket.gethostname()}:10200"},
    }
