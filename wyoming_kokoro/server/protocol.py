"""What the WebSocket doors share: close codes, the errors they answer, limits, init and ready.

``/ws/tts/live`` and ``/ws/tts/stream`` speak different message shapes over the same rules:
a client mistake closes with 1008, a server fault with 1011, a full server with 1013, a server
going down with 1001, and no session may send more text than its
:class:`~wyoming_kokoro.config.Limits` allow. Each error carries the ``kind`` it is counted as in
the metrics. Plain Python: no WebSocket library here.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..config import Limits
from ..engine import Engine, InvalidRequestError, SpeechParams, SynthesisError
from ..jsontext import JsonInputError, read_json

#: Audio is framed in pieces of at most this long: small enough for clients' default 1 MiB
#: message limit, large enough to keep the message count low.
FRAME_SECONDS = 1.0

#: The largest WebSocket message read at all (the text limits are checked after reading).
MAX_MESSAGE_BYTES = 16 * 2**20

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN = 1013

#: What a client is told when the server fails in a way it did not foresee.
INTERNAL_ERROR_MESSAGE = "Internal server error; the server log has the details"


class ClientError(Exception):
    """The client broke the protocol or a limit; the message says how to do better."""

    close_code = CLOSE_POLICY
    kind = "protocol"

    @property
    def close_reason(self) -> str:
        """The close frame's reason."""
        return str(self)


class BusyError(ClientError):
    """Too many sessions at once; try again in ``retry_after`` seconds."""

    close_code = CLOSE_TRY_AGAIN
    kind = "busy"
    retry_after = 1


class GoingAwayError(BusyError):
    """The server is draining before it stops: it takes no new session, another replica will."""

    close_code = CLOSE_GOING_AWAY
    kind = "draining"


class LimitError(ClientError):
    """A text piece or a session's text is over its limit."""

    kind = "limit"


class UnauthorizedError(ClientError):
    """No valid API key came with the session (``auth.py``): refused before anything else."""

    kind = "unauthorized"


class IdleTimeoutError(ClientError):
    """The client sent nothing for ``--idle-timeout`` seconds while text was expected."""

    kind = "idle_timeout"


class StoppedReadingError(ClientError):
    """The client read nothing for ``--send-timeout`` seconds: its slot goes to someone else."""

    kind = "stopped_reading"

    @property
    def close_reason(self) -> str:
        return "client stopped reading"


class InternalError(SynthesisError):
    """A fault the server did not foresee; the details are in the server log, not here."""

    def __init__(self) -> None:
        super().__init__(INTERNAL_ERROR_MESSAGE)


class ClientGoneError(Exception):
    """The connection closed (or the server is shutting down): nobody to answer."""


def ready_message(engine: Engine, params: SpeechParams, protocol: int) -> dict[str, Any]:
    """The ``ready`` message both live protocols open with: the audio format and the request."""
    return {
        "type": "ready",
        "sample_rate": engine.sample_rate,
        "format": "pcm_s16le",
        "channels": engine.channels,
        "voice": params.voice,
        "language": params.language,
        "speed": params.speed,
        "protocol": protocol,
        "server_version": __version__,
    }


def close_reason(text: str) -> str:
    """``text`` cut to fit a close frame (123 bytes of UTF-8)."""
    return text.encode()[:120].decode(errors="ignore")


def error_kind(error: BaseException) -> str:
    """What an error is counted as in the metrics."""
    if isinstance(error, ClientError):
        return error.kind
    if isinstance(error, InvalidRequestError):
        return "invalid_request"
    if isinstance(error, SynthesisError) and not isinstance(error, InternalError):
        return "synthesis"
    return "internal"


def error_close_code(error: BaseException) -> int:
    """The close code an error ends its session with."""
    if isinstance(error, ClientError):
        return error.close_code
    if isinstance(error, InvalidRequestError):
        return CLOSE_POLICY
    return CLOSE_SERVER_ERROR


def frame_bytes(engine: Engine) -> int:
    """The largest audio frame sent at once: :data:`FRAME_SECONDS` of whole samples."""
    return int(FRAME_SECONDS * engine.sample_rate) * engine.sample_width


def max_message_bytes(limits: Limits) -> int:
    """Far above any sane frame, so an oversized one meets our clear error message rather than
    the WebSocket library's bare 1009 close."""
    return max(MAX_MESSAGE_BYTES, limits.max_frame_chars * 4 + 1024)


class TextBudget:
    """One session's text limits: each piece (``max_frame_chars``), all (``max_text_chars``)."""

    def __init__(self, limits: Limits, piece: str) -> None:
        self._limits = limits
        self._piece = piece
        self._total = 0

    def take(self, text: str) -> None:
        """Count ``text`` against the limits; :class:`LimitError` says which one it breaks."""
        limits = self._limits
        if len(text) > limits.max_frame_chars:
            raise LimitError(
                f"{self._piece} of {len(text)} characters is over the limit of "
                f"{limits.max_frame_chars}; send smaller pieces"
            )
        self._total += len(text)
        if self._total > limits.max_text_chars:
            raise LimitError(
                f"Session text is over the limit of {limits.max_text_chars} characters; "
                "start a new session for more"
            )


def parse_json(message: str) -> Any:
    """A message's JSON; anything :func:`~wyoming_kokoro.jsontext.read_json` refuses (bad
    syntax, too deep, a number too long) is a client's error naming the problem."""
    try:
        return read_json(message)
    except JsonInputError as error:
        raise ClientError(str(error)) from None


def parse_init(message: str) -> dict[str, Any]:
    """The init frame's JSON object; anything else is a client error."""
    try:
        data = parse_json(message)
    except ClientError as error:
        raise ClientError(
            f'The first message must be a JSON object like {{"voice": "...", "speed": 1.0}}: '
            f"{error}"
        ) from None
    if not isinstance(data, dict):
        raise ClientError(f"The first message must be a JSON object, got {type(data).__name__}")
    return data
