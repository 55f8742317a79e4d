"""One settings dataclass, built from CLI flags (and, in the add-on, from options.json)."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__

MIN_SPEED = 0.5
MAX_SPEED = 2.0

#: Names accepted by ``--model`` besides a file path.
MODEL_CHOICES = ("embedded", "fp32", "fp16", "int8")


@dataclass(frozen=True)
class Limits:
    """What one client may ask of the live server; every breach gets a clear error."""

    max_text_chars: int = 20_000
    max_frame_chars: int = 4_000
    idle_timeout: float = 30.0
    max_sessions: int = 16


@dataclass(frozen=True)
class Settings:
    """Everything the process needs; the same names as the CLI flags."""

    model: str = "embedded"
    voices: str | None = None
    data_dirs: tuple[Path, ...] = ()
    download_dir: Path | None = None
    download: bool = True
    voice: str = "jf_alpha"
    language: str | None = None
    speed: float = 1.0
    threads: int | None = None
    int8_rewrite: bool = True
    live_host: str = "0.0.0.0"
    live_port: int = 8880
    live: bool = True
    uri: str = "tcp://0.0.0.0:10200"
    wyoming: bool = True
    zeroconf: str | None = None
    streaming: bool = True
    samples_per_chunk: int = 1024
    limits: Limits = field(default_factory=Limits)
    debug: bool = False
    #: Running as the Home Assistant add-on: announce the servers to the Supervisor.
    addon: bool = False
    log_format: str = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _speed(value: str) -> float:
    speed = float(value)
    if not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(
            f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {value}"
        )
    return speed


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m wyoming_kokoro``."""
    parser = argparse.ArgumentParser(
        prog="wyoming-kokoro",
        description="Kokoro Live: streaming Kokoro-82M TTS over Wyoming and /ws/tts/live.",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        default="embedded",
        help="'embedded' (int8 model from the package registry, default), "
        "'fp32', 'fp16' or 'int8' (official kokoro-onnx v1.0 files, found in --data-dir "
        "or downloaded), or a path to an .onnx file",
    )
    model.add_argument("--voices", help="voices file (.bin or .npz); default: matches --model")
    model.add_argument(
        "--data-dir",
        action="append",
        default=[],
        type=Path,
        help="folder to look for model and voice files in (repeatable)",
    )
    model.add_argument(
        "--download-dir",
        type=Path,
        help="where to download official files (default: first --data-dir)",
    )
    model.add_argument(
        "--no-download", action="store_true", help="never download; fail if files are missing"
    )
    model.add_argument("--threads", type=_positive_int, help="onnxruntime intra-op threads")
    model.add_argument(
        "--no-int8-rewrite",
        action="store_true",
        help="run an int8 model's convolutions as exported (the default rewrites them to a "
        "faster, bit-identical form on CPUs with VNNI)",
    )

    speech = parser.add_argument_group("speech defaults")
    speech.add_argument("--voice", default="jf_alpha", help="default voice, or a blend a:0.6+b:0.4")
    speech.add_argument(
        "--language",
        help="language for every voice (en-us, en-gb, fr-fr, es, it, pt-br, hi, ja, cmn "
        "or BCP-47 like en-US); default: each voice's own",
    )
    speech.add_argument("--speed", type=_speed, default=1.0, help="default speed, 0.5-2.0")

    live = parser.add_argument_group("/ws/tts/live server")
    live.add_argument("--live-host", default="0.0.0.0")
    live.add_argument("--live-port", type=_port, default=8880, help="0 picks a free port")
    live.add_argument("--no-live", action="store_true", help="do not serve /ws/tts/live")
    live.add_argument("--max-text-chars", type=_positive_int, default=Limits.max_text_chars)
    live.add_argument("--max-frame-chars", type=_positive_int, default=Limits.max_frame_chars)
    live.add_argument(
        "--idle-timeout",
        type=float,
        default=Limits.idle_timeout,
        help="seconds a session may wait for text",
    )
    live.add_argument("--max-sessions", type=_positive_int, default=Limits.max_sessions)

    wyoming = parser.add_argument_group("Wyoming server")
    wyoming.add_argument("--uri", default="tcp://0.0.0.0:10200", help="tcp://, unix:// or stdio://")
    wyoming.add_argument("--no-wyoming", action="store_true", help="do not serve Wyoming")
    wyoming.add_argument(
        "--zeroconf",
        nargs="?",
        const="kokoro-live",
        help="advertise the Wyoming server over zeroconf, with this name",
    )
    wyoming.add_argument(
        "--no-streaming", action="store_true", help="do not advertise streaming synthesis"
    )
    wyoming.add_argument("--samples-per-chunk", type=_positive_int, default=1024)

    parser.add_argument("--addon-options", type=Path, help="Home Assistant add-on options.json")
    parser.add_argument("--debug", action="store_true", help="log DEBUG messages")
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Turn parsed flags into Settings."""
    return Settings(
        model=args.model,
        voices=args.voices,
        data_dirs=tuple(args.data_dir),
        download_dir=args.download_dir,
        download=not args.no_download,
        voice=args.voice,
        language=args.language,
        speed=args.speed,
        threads=args.threads,
        int8_rewrite=not args.no_int8_rewrite,
        live_host=args.live_host,
        live_port=args.live_port,
        live=not args.no_live,
        uri=args.uri,
        wyoming=not args.no_wyoming,
        zeroconf=args.zeroconf,
        streaming=not args.no_streaming,
        samples_per_chunk=args.samples_per_chunk,
        limits=Limits(
            max_text_chars=args.max_text_chars,
            max_frame_chars=args.max_frame_chars,
            idle_timeout=args.idle_timeout,
            max_sessions=args.max_sessions,
        ),
        debug=args.debug,
    )
