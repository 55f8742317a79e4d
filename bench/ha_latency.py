"""Assist latency on a real Home Assistant: the agent's last token to the first audio byte.

Starts a Kokoro Live server (``.venv``) and Home Assistant (``hass`` from ``.venv-ha``) with a
throwaway config: the Kokoro Live integration from this repository, and a conversation agent
that streams a fixed reply token by token, as an LLM does. Then it onboards a user, adds the
integration through its config flow, creates an Assist pipeline (that agent, our TTS), runs it
over the websocket API as the frontend's Assist dialog does, fetches the run's ``tts_proxy`` URL
and reports, per run, when the first audio byte arrived counted from the agent's last token
(negative: before the agent finished), and the audio's format and length (decoded by PyAV).

    .venv-ha/bin/python bench/ha_latency.py --runs 3

Both processes are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CLIENT_ID = f"http://{HOST}/"

#: The agent: a conversation entity streaming the reply with a gap between tokens; it writes the
#: time of its last token (wall clock, shared by both processes) into a file.
AGENT = '''
"""A conversation agent streaming a fixed reply token by token (for bench/ha_latency.py)."""
import asyncio
import time
from pathlib import Path

from homeassistant.components import conversation
from homeassistant.components.conversation.const import DATA_COMPONENT
from homeassistant.const import MATCH_ALL

DOMAIN = "streaming_agent"


class StreamingAgent(conversation.ConversationEntity):
    _attr_supports_streaming = True
    _attr_name = "Streaming agent"
    _attr_unique_id = "streaming-agent"

    def __init__(self, reply, gap, stamp):
        self._tokens = [word + " " for word in reply.split(" ")]
        self._gap = gap
        self._stamp = Path(stamp)

    @property
    def supported_languages(self):
        return MATCH_ALL

    async def _async_handle_message(self, user_input, chat_log):
        async def deltas():
            yield {"role": "assistant"}
            for token in self._tokens:
                await asyncio.sleep(self._gap)
                yield {"content": token}
            last = repr(time.time())
            await self.hass.async_add_executor_job(self._stamp.write_text, last)

        async for _ in chat_log.async_add_delta_content_stream(self.entity_id, deltas()):
            pass
        return conversation.async_get_result_from_chat_log(user_input, chat_log)


async def async_setup(hass, config):
    options = config[DOMAIN]
    agent = StreamingAgent(options["reply"], float(options["gap"]), options["stamp"])
    await hass.data[DATA_COMPONENT].async_add_entities([agent])
    return True
'''

MANIFEST = {
    "domain": "streaming_agent",
    "name": "Streaming agent",
    "version": "0.0.1",
    "dependencies": ["conversation"],
    "codeowners": [],
    "documentation": "https://example.invalid",
    "iot_class": "local_push",
}

REPLY = (
    "Okay, the kitchen lights are on. "
    "I also locked the front door and closed the garage for the night. "
    "Tomorrow will be sunny and warm in the afternoon, so the windows can stay open."
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, terminated (then killed) on the way out."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    with log.open("ab") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def tail(log: Path) -> str:
    """The end of a process's log, for an error message."""
    return log.read_text(errors="replace")[-3000:]


async def wait_http(url: str, seconds: float, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while True:
            if child.poll() is not None:
                sys.exit(f"{url}: the process exited:\n{tail(log)}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as reply:
                    if reply.status < 500:
                        return
            if time.monotonic() > deadline:
                sys.exit(f"{url} did not answer in {seconds:g} s:\n{tail(log)}")
            await asyncio.sleep(0.5)


def write_config(config: Path, stamp: Path, gap: float, hass_port: int, integration: Path) -> None:
    components = config / "custom_components"
    (components / "streaming_agent").mkdir(parents=True)
    (components / "kokoro_live").symlink_to(integration.resolve())
    (components / "streaming_agent" / "__init__.py").write_text(AGENT)
    (components / "streaming_agent" / "manifest.json").write_text(json.dumps(MANIFEST))
    (config / "configuration.yaml").write_text(
        "homeassistant:\n  name: Latency\n  time_zone: UTC\n"
        f"http:\n  server_host: {HOST}\n  server_port: {hass_port}\n"
        "onboarding:\nauth:\nconfig:\nassist_pipeline:\nconversation:\n"
        f"streaming_agent:\n  reply: {json.dumps(REPLY)}\n  gap: {gap}\n  stamp: {stamp}\n"
    )


async def onboard(http: aiohttp.ClientSession, base: str) -> str:
    """Create the owner through onboarding; an access token for the API."""
    user = {
        "client_id": CLIENT_ID,
        "name": "Bench",
        "username": "bench",
        "password": "bench-password",
        "language": "en",
    }
    async with http.post(f"{base}/api/onboarding/users", json=user) as reply:
        reply.raise_for_status()
        code = (await reply.json())["auth_code"]
    form = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID}
    async with http.post(f"{base}/auth/token", data=form) as reply:
        reply.raise_for_status()
        token: str = (await reply.json())["access_token"]
        return token


async def add_integration(http: aiohttp.ClientSession, base: str, live_port: int) -> None:
    flows = f"{base}/api/config/config_entries/flow"
    async with http.post(flows, json={"handler": "kokoro_live"}) as reply:
        reply.raise_for_status()
        flow = await reply.json()
    async with http.post(
        f"{flows}/{flow['flow_id']}", json={"host": HOST, "port": live_port}
    ) as reply:
        reply.raise_for_status()
        result = await reply.json()
    if result.get("type") != "create_entry":
        sys.exit(f"The config flow did not create the entry: {result}")


class Socket:
    """Home Assistant's websocket API, authenticated."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._id = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, http: aiohttp.ClientSession, base: str, token: str
    ) -> AsyncIterator[Socket]:
        async with http.ws_connect(f"{base}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": token})
            if (await ws.receive_json())["type"] != "auth_ok":
                sys.exit("websocket authentication failed")
            yield cls(ws)

    async def send(self, message: dict[str, Any]) -> int:
        self._id += 1
        await self.ws.send_json({"id": self._id, **message})
        return self._id

    async def call(self, message: dict[str, Any]) -> Any:
        sent = await self.send(message)
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == sent and answer["type"] == "result":
                if not answer["success"]:
                    sys.exit(f"{message['type']} failed: {answer}")
                return answer["result"]


def decode(data: bytes) -> tuple[str, float]:
    import av

    with av.open(io.BytesIO(data), "r") as container:
        frames = list(container.decode(audio=0))
        name = container.format.name
    return name, sum(frame.samples for frame in frames) / frames[0].sample_rate


async def run_once(
    http: aiohttp.ClientSession, base: str, socket_api: Socket, pipeline: str, stamp: Path
) -> tuple[float, str, float]:
    """One Assist run: seconds from the last token to the first byte, format, audio length."""
    await asyncio.to_thread(stamp.unlink, missing_ok=True)
    sent = await socket_api.send(
        {
            "type": "assist_pipeline/run",
            "start_stage": "intent",
            "end_stage": "tts",
            "input": {"text": "Good night"},
            "pipeline": pipeline,
        }
    )
    url = None
    ended = False
    first_byte: float | None = None
    audio = b""
    fetch: asyncio.Task[None] | None = None

    async def download(path: str) -> None:
        nonlocal first_byte, audio
        async with http.get(f"{base}{path}") as reply:
            reply.raise_for_status()
            async for chunk in reply.content.iter_any():
                if first_byte is None:
                    first_byte = time.time()
                audio += chunk

    while not ended:
        message = await socket_api.ws.receive_json()
        if message.get("id") != sent or message["type"] != "event":
            continue
        event = message["event"]
        if event["type"] == "run-start":
            url = event["data"]["tts_output"]["url"]
            fetch = asyncio.create_task(download(url))
        elif event["type"] == "error":
            sys.exit(f"The run failed: {event}")
        ended = event["type"] == "run-end"
    assert fetch is not None
    await asyncio.wait_for(fetch, 120)
    assert first_byte is not None
    name, seconds = decode(audio)
    last_token = float(await asyncio.to_thread(stamp.read_text))
    return first_byte - last_token, name, seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--token-gap", type=float, default=0.05, help="seconds between tokens")
    parser.add_argument(
        "--integration",
        type=Path,
        default=ROOT / "custom_components" / "kokoro_live",
        help="the integration's folder (another version's, to compare)",
    )
    args = parser.parse_args()
    hass_bin = ROOT / ".venv-ha" / "bin" / "hass"
    server_python = ROOT / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="ha-latency-") as temp:
        work = Path(temp)
        config, stamp = work / "config", work / "last-token"
        live_port, wyoming_port, hass_port = free_port(), free_port(), free_port()
        write_config(config, stamp, args.token_gap, hass_port, args.integration)
        server_command = [
            str(server_python),
            "-m",
            "wyoming_kokoro",
            "--language",
            "en-us",
            "--live-host",
            HOST,
            "--live-port",
            str(live_port),
            "--uri",
            f"tcp://{HOST}:{wyoming_port}",
        ]
        hass_command = [str(hass_bin), "-c", str(config), "--skip-pip"]
        with (
            process(server_command, work / "server.log") as server,
            process(hass_command, work / "hass.log") as hass,
        ):
            base = f"http://{HOST}:{hass_port}"
            await wait_http(f"http://{HOST}:{live_port}/health", 180, server, work / "server.log")
            await wait_http(f"{base}/api/onboarding", 300, hass, work / "hass.log")
            async with aiohttp.ClientSession() as http:
                token = await onboard(http, base)
                authed = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})
                async with authed, Socket.open(authed, base, token) as socket_api:
                    await add_integration(authed, base, live_port)
                    pipeline = await socket_api.call(
                        {
                            "type": "assist_pipeline/pipeline/create",
                            "conversation_engine": "conversation.streaming_agent",
                            "conversation_language": "*",
                            "language": "en",
                            "name": "Kokoro Live",
                            "stt_engine": None,
                            "stt_language": None,
                            "tts_engine": "tts.kokoro_live_text_to_speech",
                            "tts_language": "en-US",
                            "tts_voice": None,
                            "wake_word_entity": None,
                            "wake_word_id": None,
                        }
                    )
                    print(f"ffmpeg on PATH: {shutil.which('ffmpeg') or 'none'}")
                    for run in range(1, args.runs + 1):
                        try:
                            gap, name, seconds = await run_once(
                                authed, base, socket_api, pipeline["id"], stamp
                            )
                        except aiohttp.ClientResponseError as error:
                            print(f"run {run}: no audio: the tts_proxy URL answered {error.status}")
                            continue
                        print(
                            f"run {run}: first audio byte {gap:+.2f} s after the agent's last "
                            f"token; {name}, {seconds:.2f} s of speech"
                        )


if __name__ == "__main__":
    asyncio.run(main())
