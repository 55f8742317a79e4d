"""The settings of one process and the single home of their defaults.

The command line (``cli.py``) and the add-on options take their defaults from here.
Plain data only: importing this needs nothing beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MIN_SPEED = 0.5
MAX_SPEED = 2.0

DEFAULT_LIVE_PORT = 8880
DEFAULT_WYOMING_PORT = 10200

#: Seconds sessions in progress may take to finish after SIGTERM before they are closed.
DEFAULT_DRAIN_TIMEOUT = 30.0

#: Names accepted by ``--model`` besides a file path.
MODEL_CHOICES = ("embedded", "fp32", "fp16", "int8")

#: ``--voice`` (and the add-on's ``voice`` option) meaning each language's natural voice.
AUTO_VOICE = "auto"

#: Names accepted by ``--device``.
DEVICE_CHOICES = ("cpu", "cuda", "auto")

#: The environment variable holding an API key, read by the server and by every client.
API_KEY_ENV = "KOKORO_LIVE_API_KEY"


@dataclass(frozen=True)
class Limits:
    """What one client may ask of the live server; every breach gets a clear error."""

    max_text_chars: int = 20_000
    max_frame_chars: int = 4_000
    idle_timeout: float = 30.0
    #: Seconds a session may wait to send to a client that does not read before it is closed.
    send_timeout: float = 30.0
    #: Sessions at once: a fixed number, or (``auto_sessions``) the ceiling of a limit that
    #: follows the measured capacity (``Engine.admission_limit``).
    max_sessions: int = 16
    auto_sessions: bool = True
    #: Protocol v2: utterances open at once on one connection.
    max_contexts: int = 8
    #: Protocol v2: seconds a connection may stay silent (no client message at all).
    connection_idle_timeout: float = 300.0


@dataclass(frozen=True)
class Settings:
    """Everything the process needs; the same names as the CLI flags."""

    model: str = "embedded"
    voices: str | None = None
    data_dirs: tuple[Path, ...] = ()
    download_dir: Path | None = None
    download: bool = True
    #: The voice for requests that name none; None: each language's natural voice
    #: (``engine.languages.DEFAULT_VOICES``).
    voice: str | None = None
    language: str | None = None
    speed: float = 1.0
    threads: int | None = None
    int8_rewrite: bool = True
    #: Decode only the frames that will be heard (not the leading pad and trailing pause).
    #: Off by default: it moves segment lengths by up to 3 % for about 6 % less vocoder work.
    vocoder_crop: bool = False
    #: Where inference runs: ``cpu``, ``cuda`` (onnxruntime-gpu), or ``auto`` (CUDA when present).
    device: str = "cpu"
    #: Megabytes of short segments spoken recently, replayed when said again ("Okay,"); 0: off.
    speech_cache_mb: float = 16.0
    live_host: str = "0.0.0.0"
    live_port: int = DEFAULT_LIVE_PORT
    live: bool = True
    uri: str = f"tcp://0.0.0.0:{DEFAULT_WYOMING_PORT}"
    wyoming: bool = True
    zeroconf: str | None = None
    streaming: bool = True
    samples_per_chunk: int = 1024
    limits: Limits = field(default_factory=Limits)
    #: ``--openai-voice NAME=VOICE``: OpenAI voice names mapped to ours, over the built-in table.
    openai_voices: tuple[tuple[str, str], ...] = ()
    #: ``--cors-origin``: browser origins allowed to call the HTTP API (``*``: any); none: off.
    cors_origins: tuple[str, ...] = ()
    #: Keys a client must present on the live port (``--api-key``, ``KOKORO_LIVE_API_KEY``);
    #: with none here and no ``api_key_file``, the live port is open to every caller.
    api_keys: tuple[str, ...] = ()
    #: ``--api-key-file``: more keys, one a line, read again on SIGHUP.
    api_key_file: Path | None = None
    #: ``--public-metrics``: ``/metrics`` answers without a key even when keys are set.
    public_metrics: bool = False
    #: On SIGTERM/SIGINT: seconds to let sessions in progress finish before closing them.
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT
    debug: bool = False
    #: Running as the Home Assistant add-on: announce the servers to the Supervisor.
    addon: bool = False
    log_format: str = "%(asctime)s %(levelname)s %(name)s: %(message)s"
