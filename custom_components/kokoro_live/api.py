"""A small async client for a Kokoro Live server.

Self-contained on purpose: Home Assistant installs only ``websockets`` for this
integration, never the server package. ``/voices`` goes through Home Assistant's
shared aiohttp session; a speech session is one ``/ws/tts/live`` WebSocket
(the protocol: init, ready, text pieces, audio + PCM frames, end or error).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.version import version as websockets_version

LIVE_PATH = "/ws/tts/live"
VOICES_PATH = "/voices"

HTTP_TIMEOUT = 10.0
OPEN_TIMEOUT = 10.0
#: A close handshake the server does not answer must not hold Home Assistant up.
CLOSE_TIMEOUT = 2.0
#: One PCM frame is one synthesized segment: seconds of audio, far above the 1 MiB default.
MAX_FRAME_BYTES = 16 * 1024 * 1024

PCM_FORMAT = "pcm_s16le"
#: Longer pieces of text are sent as several frames, well under the server's per-frame limit.
MAX_TEXT_FRAME = 1000


class KokoroError(Exception):
    """A Kokoro Live server could not do what was asked."""


class KokoroConnectionError(KokoroError):
    """The server cannot be reached, or the connection to it was lost."""


class KokoroProtocolError(KokoroError):
    """Something answered, but it does not speak the Kokoro Live protocol."""


class KokoroServerError(KokoroError):
    """The server refused or failed the request; the message is the server's own."""


class KokoroAuthError(KokoroError):
    """The server needs an API key, and the one given (if any) is not one of its keys."""


#: The ``code`` of a live ``error`` message refusing the key.
INVALID_API_KEY = "invalid_api_key"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``GET /voices`` says about the server: its version, model and speech choices."""

    version: str
    model: str
    sample_rate: int
    voices: tuple[str, ...]
    languages: tuple[str, ...]
    default_voice: str
    default_language: str
    default_speed: float
    #: Readable names by voice id (``af_heart`` -> ``Heart (English (US), female)``); servers
    #: older than the ``voice_names`` field give none, and the id stands in.
    voice_names: Mapping[str, str] = field(default_factory=dict)
    #: The language (server code) each voice was made for (``ff_siwis`` -> ``fr-fr``).
    voice_languages: Mapping[str, str] = field(default_factory=dict)
    #: The voice a request naming only a language gets (``fr-fr`` -> ``ff_siwis``).
    default_voices: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> ServerInfo:
        """Validate the ``/voices`` answer; anything malformed is a protocol error."""
        if not isinstance(data, Mapping):
            raise KokoroProtocolError("The /voices answer is not a JSON object")
        try:
            voices = tuple(str(voice) for voice in data["voices"])
            languages = tuple(str(language) for language in data["languages"])
            return cls(
                version=str(data["version"]),
                model=str(data.get("model", "Kokoro")),
                sample_rate=int(data["sample_rate"]),
                voices=voices,
                languages=languages,
                default_voice=str(data.get("default_voice") or voices[0]),
                default_language=str(data.get("default_language") or languages[0]),
                default_speed=float(data.get("default_speed", 1.0)),
                voice_names=_voice_names(data.get("voice_names"), voices),
                voice_languages=_voice_names(data.get("voice_languages"), voices),
                default_voices=_voice_names(data.get("default_voices"), languages),
            )
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise KokoroProtocolError(f"The /voices answer is incomplete: {err!r}") from err


def _voice_names(names: object, keys: tuple[str, ...]) -> dict[str, str]:
    """A string for each of ``keys`` (voices or languages) from a ``/voices`` map; a missing or
    malformed field gives none (servers older than the field)."""
    if not isinstance(names, Mapping):
        return {}
    return {key: name for key in keys if isinstance(name := names.get(key), str) and name}


def _reason(err: BaseException) -> str:
    """Why a connection failed, in a few words and without the address: callers name it once."""
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, OSError) and err.errno is not None:
        # A positive errno has a standard text ("Connection refused"); resolver errors
        # (negative) carry their own ("Name or service not known").
        if err.errno > 0:
            return os.strerror(err.errno)
        if err.strerror:
            return err.strerror
    return str(err) or type(err).__name__


def _host_in_url(host: str) -> str:
    """IPv6 literals need brackets inside a URL."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _connect_options() -> dict[str, Any]:
    """Options for ``websockets`` that hold for every version Home Assistant may ship."""
    options: dict[str, Any] = {
        "open_timeout": OPEN_TIMEOUT,
        "close_timeout": CLOSE_TIMEOUT,
        "max_size": MAX_FRAME_BYTES,
        # PCM hardly compresses; deflate would only cost CPU on both ends.
        "compression": None,
    }
    if int(websockets_version.split(".", 1)[0]) >= 15:
        # Since 15.0 a proxy is taken from the environment; a local server never wants one.
        options["proxy"] = None
    return options


def _parse_message(text: str) -> dict[str, Any]:
    """One JSON control message from the server."""
    try:
        message = json.loads(text)
    except ValueError as err:
        raise KokoroProtocolError(f"The server sent text that is not JSON: {text[:80]!r}") from err
    if not isinstance(message, dict):
        raise KokoroProtocolError(f"The server sent an unexpected message: {text[:80]!r}")
    return message


async def _send(websocket: ClientConnection, text: str) -> None:
    try:
        await websocket.send(text)
    except ConnectionClosed as err:
        raise KokoroConnectionError("Connection closed") from err


async def _receive(websocket: ClientConnection) -> str | bytes:
    try:
        return await websocket.recv()
    except ConnectionClosed as err:
        raise KokoroConnectionError("Connection closed before the speech ended") from err


class LiveSession:
    """One open ``/ws/tts/live`` session, after the server said ``ready``."""

    def __init__(self, websocket: ClientConnection, ready: Mapping[str, Any]) -> None:
        """Wrap a connection whose ``ready`` message has been read."""
        self._websocket = websocket
        self.sample_rate = int(ready.get("sample_rate", 24000))
        self.channels = int(ready.get("channels", 1))
        #: ``pcm_s16le``, or the encoded format the init asked for (``mp3``, ``flac``, ...).
        self.format = str(ready.get("format", PCM_FORMAT))
        self.ready = dict(ready)

    async def __aenter__(self) -> Self:
        """Use the session as an async context manager that always closes it."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the session, which makes the server cancel what is left."""
        await self.close()

    async def send_text(self, text: str) -> None:
        """Send one piece of the text; empty pieces are skipped (``""`` ends the input)."""
        for start in range(0, len(text), MAX_TEXT_FRAME):
            await _send(self._websocket, text[start : start + MAX_TEXT_FRAME])

    async def end_input(self) -> None:
        """Tell the server the text is complete, so it speaks what is left and ends."""
        await _send(self._websocket, "")

    async def audio(self) -> AsyncIterator[bytes]:
        """Yield the audio chunks (PCM, or pieces of the encoded file) as the server sends them,
        until its ``end`` message."""
        while True:
            frame = await _receive(self._websocket)
            if isinstance(frame, bytes):
                raise KokoroProtocolError("The server sent audio without an audio header")
            message = _parse_message(frame)
            kind = message.get("type")
            if kind == "audio":
                pcm = await _receive(self._websocket)
                if not isinstance(pcm, bytes):
                    raise KokoroProtocolError("The server sent no audio after an audio header")
                yield pcm
            elif kind == "end":
                return
            elif kind == "error":
                raise KokoroServerError(str(message.get("message", "Unknown server error")))
            # Other message types are newer than this client: ignore them.

    async def close(self) -> None:
        """Close the WebSocket; a session still speaking is cancelled by the server."""
        await self._websocket.close()


class KokoroLiveClient:
    """Talks to one Kokoro Live server at ``host:port``."""

    def __init__(
        self,
        host: str,
        port: int,
        session: aiohttp.ClientSession,
        api_key: str | None = None,
    ) -> None:
        """Remember where the server is (and its API key, if it needs one); nothing connects
        until asked."""
        self.host = host
        self.port = port
        self._session = session
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        authority = f"{_host_in_url(host)}:{port}"
        self.http_url = f"http://{authority}"
        self.live_url = f"ws://{authority}{LIVE_PATH}"

    @property
    def address(self) -> str:
        """``host:port``, the one place messages name the server (errors leave it out)."""
        return f"{_host_in_url(self.host)}:{self.port}"

    async def async_get_info(self) -> ServerInfo:
        """Read ``GET /voices``: version, model, voices and their names, languages, defaults."""
        url = f"{self.http_url}{VOICES_PATH}"
        try:
            async with self._session.get(
                url, headers=self._headers, timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
            ) as response:
                if response.status == 401:
                    raise KokoroAuthError("The server refused the API key")
                if response.status != 200:
                    raise KokoroProtocolError(f"{VOICES_PATH} answered HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise KokoroConnectionError(_reason(err)) from err
        except ValueError as err:
            raise KokoroProtocolError(f"{VOICES_PATH} did not answer JSON") from err
        return ServerInfo.from_json(data)

    async def async_open_session(
        self,
        *,
        voice: str | None = None,
        language: str | None = None,
        speed: float | None = None,
        audio: Mapping[str, Any] | None = None,
    ) -> LiveSession:
        """Connect, send ``init`` and wait for ``ready``; missing values take server defaults.

        ``audio`` asks for an output format (``format``, ``sample_rate``, ``channels``): the
        server's PCM when none.
        """
        init: dict[str, Any] = {"type": "init", **(audio or {})}
        if voice is not None:
            init["voice"] = voice
        if language is not None:
            init["language"] = language
        if speed is not None:
            init["speed"] = speed
        try:
            websocket = await connect(
                self.live_url, additional_headers=self._headers, **_connect_options()
            )
        except InvalidStatus as err:
            if err.response.status_code == 401:
                raise KokoroAuthError("The server refused the API key") from err
            raise KokoroProtocolError(f"{LIVE_PATH} is not a Kokoro Live endpoint ({err})") from err
        except (InvalidURI, ValueError) as err:
            raise KokoroConnectionError(f"Invalid server address {self.live_url}") from err
        except InvalidHandshake as err:
            raise KokoroProtocolError(f"{LIVE_PATH} is not a Kokoro Live endpoint ({err})") from err
        except (OSError, TimeoutError) as err:
            raise KokoroConnectionError(_reason(err)) from err
        try:
            return await self._handshake(websocket, init)
        except BaseException:
            await websocket.close()
            raise

    async def _handshake(self, websocket: ClientConnection, init: dict[str, Any]) -> LiveSession:
        with contextlib.suppress(KokoroConnectionError):
            # A server that refuses at once (busy) may have closed already; its
            # error message is still there to be read below.
            await _send(websocket, json.dumps(init))
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                frame = await _receive(websocket)
        except TimeoutError as err:
            raise KokoroProtocolError("The server did not say ready") from err
        if isinstance(frame, bytes):
            raise KokoroProtocolError("The server sent audio before ready")
        message = _parse_message(frame)
        if message.get("type") == "error":
            text = str(message.get("message", "Unknown server error"))
            if message.get("code") == INVALID_API_KEY:
                raise KokoroAuthError(text)
            raise KokoroServerError(text)
        if message.get("type") != "ready":
            raise KokoroProtocolError(f"The server sent {message.get('type')!r}, not ready")
        expected = init.get("format", PCM_FORMAT)
        sent = message.get("format", PCM_FORMAT)
        if sent != expected:
            older = " (a server older than output formats sends PCM: update it)"
            raise KokoroProtocolError(
                f"The server sent {sent!r} audio, not the {expected!r} asked for"
                + (older if sent == PCM_FORMAT else "")
            )
        return LiveSession(websocket, message)

    async def async_check(self) -> dict[str, Any]:
        """Open a session and close it again: proves the live endpoint works end to end."""
        async with await self.async_open_session() as session:
            return session.ready
