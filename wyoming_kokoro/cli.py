"""The command line of ``python -m wyoming_kokoro``: flags to :class:`Settings`.

Every default shown and used comes from :class:`Settings`; every value is checked by the
request schema, so a bad flag gets the same message as a bad request.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .config import API_KEY_ENV, AUTO_VOICE, DEVICE_CHOICES, MAX_SPEED, MIN_SPEED, Limits, Settings
from .schema import RequestError, check_positive_int, check_speed

DEFAULTS = Settings()


def _speed(value: str) -> float:
    number: object = value
    with contextlib.suppress(ValueError):
        number = float(value)
    try:
        return check_speed(number)
    except RequestError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(field: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number: object = value
        with contextlib.suppress(ValueError):
            number = int(value)
        try:
            return check_positive_int(field, number)
        except RequestError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _seconds(field: str, minimum: float = 0.0, inclusive: bool = False) -> Callable[[str], float]:
    """A finite number of seconds above ``minimum`` (or equal to it, if ``inclusive``)."""
    bound = f"{minimum:g} or more" if inclusive else f"above {minimum:g}"

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        fits = number >= minimum if inclusive else number > minimum
        if not fits or number == float("inf"):
            raise argparse.ArgumentTypeError(
                f"'{field}' must be a number of seconds {bound}, got {value!r}"
            )
        return number

    return parse


def _megabytes(field: str) -> Callable[[str], float]:
    """A finite number of megabytes, 0 or more."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not 0 <= number < float("inf"):
            raise argparse.ArgumentTypeError(
                f"'{field}' must be a number of megabytes, 0 or more, got {value!r}"
            )
        return number

    return parse


def _openai_voice(value: str) -> tuple[str, str]:
    name, sep, voice = value.partition("=")
    if not sep or not name.strip() or not voice.strip():
        raise argparse.ArgumentTypeError(
            f"--openai-voice must be NAME=VOICE such as nova=af_nicole, got {value!r}"
        )
    return name.strip().lower(), voice.strip()


def _cors_origin(value: str) -> str:
    """``*`` or an origin as browsers send it: ``scheme://host[:port]``, no path."""
    origin = value.strip().rstrip("/")
    scheme, sep, host = origin.partition("://")
    if origin != "*" and (not sep or not scheme or not host or "/" in host):
        raise argparse.ArgumentTypeError(
            f"--cors-origin must be an origin such as https://app.example.com or *, got {value!r}"
        )
    return origin


def _max_sessions(value: str) -> tuple[int, bool]:
    """``auto`` (the default ceiling, following capacity) or a fixed positive number."""
    if value.strip().lower() == "auto":
        return DEFAULTS.limits.max_sessions, True
    try:
        return _positive("max_sessions")(value), False
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{error} (or 'auto')") from None


def _port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return number


class _AddonOptions(argparse.Action):
    """``--addon-options FILE``: the add-on's options stand where the flag stands, as the flags
    they mean, so flags after it (the run script's ``"$@"``) override them."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from .addon.options import AddonOptionsError, load_options

        try:
            addon_argv = load_options(values)
        except AddonOptionsError as error:
            parser.exit(2, f"wyoming-kokoro: invalid add-on options: {error}\n")
        parser.parse_args(addon_argv, namespace)
        setattr(namespace, self.dest, values)


def _model_flags(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        default=DEFAULTS.model,
        help="'embedded' (int8 model from the package registry, default), "
        "'fp32', 'fp16' or 'int8' (official kokoro-onnx v1.0 files, found in --data-dir "
        "or downloaded), or a path to an .onnx file",
    )
    model.add_argument("--voices", help="voices file (.bin or .npz); default: matches --model")
    model.add_argument(
        "--data-dir",
        action="append",
        default=list(DEFAULTS.data_dirs),
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
    model.add_argument("--threads", type=_positive("threads"), help="onnxruntime intra-op threads")
    model.add_argument(
        "--no-int8-rewrite",
        action="store_true",
        help="run an int8 model's convolutions as exported (the default rewrites them to a "
        "faster, bit-identical form on CPUs with VNNI)",
    )
    model.add_argument(
        "--vocoder-crop",
        action="store_true",
        help="experimental: skip decoding the leading pad and trailing pause (about 6 %% less "
        "vocoder work; segment lengths move by up to 3 %%)",
    )
    model.add_argument(
        "--speech-cache-mb",
        type=_megabytes("speech_cache_mb"),
        default=DEFAULTS.speech_cache_mb,
        help="megabytes of short segments spoken recently ('Okay,' 'Turned off the light.') "
        "replayed at once when said again with the same voice, language and speed; 0 turns "
        "it off (default: %(default)s)",
    )
    model.add_argument(
        "--device",
        choices=DEVICE_CHOICES,
        default=DEFAULTS.device,
        help="where inference runs: cpu (default), cuda (needs onnxruntime-gpu; runs the fp32 "
        "model unless --model says otherwise), or auto (cuda when available)",
    )


def _speech_flags(parser: argparse.ArgumentParser) -> None:
    speech = parser.add_argument_group("speech defaults")
    speech.add_argument(
        "--voice",
        default=DEFAULTS.voice,
        help="default voice, or a blend a:0.6+b:0.4; default (or 'auto'): the language's "
        "natural voice (af_heart for en-us, bf_emma for en-gb, ff_siwis for fr-fr, ...)",
    )
    speech.add_argument(
        "--language",
        help="language for every voice (en-us, en-gb, fr-fr, es, it, pt-br, hi, ja, cmn "
        "or BCP-47 like en-US); default: each voice's own",
    )
    speech.add_argument(
        "--speed",
        type=_speed,
        default=DEFAULTS.speed,
        help=f"default speed, {MIN_SPEED}-{MAX_SPEED}",
    )


def _live_flags(parser: argparse.ArgumentParser) -> None:
    limits = DEFAULTS.limits
    live = parser.add_argument_group("/ws/tts/live server")
    live.add_argument("--live-host", default=DEFAULTS.live_host)
    live.add_argument(
        "--live-port", type=_port, default=DEFAULTS.live_port, help="0 picks a free port"
    )
    live.add_argument("--no-live", action="store_true", help="do not serve /ws/tts/live")
    live.add_argument(
        "--max-text-chars", type=_positive("max_text_chars"), default=limits.max_text_chars
    )
    live.add_argument(
        "--max-frame-chars", type=_positive("max_frame_chars"), default=limits.max_frame_chars
    )
    live.add_argument(
        "--idle-timeout",
        type=float,
        default=limits.idle_timeout,
        help="seconds a session may wait for text",
    )
    live.add_argument(
        "--send-timeout",
        type=_seconds("send_timeout"),
        default=limits.send_timeout,
        help="seconds a session may wait for a client that does not read its audio; "
        "then it is closed (1008) and its slot freed",
    )
    live.add_argument(
        "--max-sessions",
        type=_max_sessions,
        default="auto" if limits.auto_sessions else str(limits.max_sessions),
        help="sessions at once: 'auto' (default) follows the measured capacity (at least 2, at "
        f"most {limits.max_sessions}), or a fixed number",
    )
    live.add_argument(
        "--max-contexts",
        type=_positive("max_contexts"),
        default=limits.max_contexts,
        help="protocol 2: utterances open at once per connection",
    )
    live.add_argument(
        "--connection-idle-timeout",
        type=_seconds("connection_idle_timeout"),
        default=limits.connection_idle_timeout,
        help="protocol 2: seconds a connection may send nothing",
    )
    live.add_argument(
        "--openai-voice",
        action="append",
        type=_openai_voice,
        default=list(DEFAULTS.openai_voices),
        metavar="NAME=VOICE",
        help="map an OpenAI voice name (alloy, nova, ...) to a voice or blend of ours for "
        "/v1/audio/speech (repeatable)",
    )
    live.add_argument(
        "--cors-origin",
        action="append",
        type=_cors_origin,
        default=list(DEFAULTS.cors_origins),
        metavar="ORIGIN",
        help="let browser apps from ORIGIN (https://app.example.com, or * for any) call the "
        "HTTP API across origins (repeatable; default: none)",
    )


def _auth_flags(parser: argparse.ArgumentParser) -> None:
    auth = parser.add_argument_group("API keys (docs/security.md)")
    auth.add_argument(
        "--api-key",
        action="append",
        default=list(DEFAULTS.api_keys),
        metavar="KEY",
        help="a key clients must present on the live port (repeatable, to rotate keys "
        f"without downtime); also read from ${API_KEY_ENV}. Without any key the live port "
        "is open to every caller",
    )
    auth.add_argument(
        "--api-key-file",
        type=Path,
        metavar="PATH",
        help="more keys, one a line ('#' comments), read again on SIGHUP",
    )
    auth.add_argument(
        "--public-metrics",
        action="store_true",
        help="serve /metrics without a key when keys are set (other routes still need one)",
    )


def _api_keys(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, ...]:
    """The keys of the flags and the environment, each checked, and the key file readable."""
    from .server.auth import ApiKeyError, check_key, read_key_file

    sources = [(key, "--api-key") for key in args.api_key]
    if env_key := os.environ.get(API_KEY_ENV, "").strip():
        sources.append((env_key, f"${API_KEY_ENV}"))
    try:
        checked = tuple(check_key(key, where) for key, where in sources)
        if args.api_key_file is not None:
            read_key_file(args.api_key_file)
    except ApiKeyError as error:
        parser.error(str(error))
    return checked


def _wyoming_flags(parser: argparse.ArgumentParser) -> None:
    wyoming = parser.add_argument_group("Wyoming server")
    wyoming.add_argument("--uri", default=DEFAULTS.uri, help="tcp://, unix:// or stdio://")
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
    wyoming.add_argument(
        "--samples-per-chunk",
        type=_positive("samples_per_chunk"),
        default=DEFAULTS.samples_per_chunk,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m wyoming_kokoro``."""
    parser = argparse.ArgumentParser(
        prog="wyoming-kokoro",
        description="Kokoro Live: streaming Kokoro-82M TTS over Wyoming and /ws/tts/live.",
    )
    _model_flags(parser)
    _speech_flags(parser)
    _live_flags(parser)
    _auth_flags(parser)
    _wyoming_flags(parser)
    parser.add_argument(
        "--addon-options",
        type=Path,
        action=_AddonOptions,
        help="Home Assistant add-on options.json",
    )
    parser.add_argument(
        "--drain-timeout",
        type=_seconds("drain_timeout", inclusive=True),
        default=DEFAULTS.drain_timeout,
        help="on SIGTERM or SIGINT, seconds sessions in progress may take to finish (no new "
        "ones are taken, /ready answers 503); then the rest are closed (1001 going away)",
    )
    parser.add_argument("--debug", action="store_true", help="log DEBUG messages")
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def settings_from_args(
    args: argparse.Namespace, api_keys: tuple[str, ...] | None = None
) -> Settings:
    """Turn parsed flags into Settings (``api_keys``: checked keys, else the flags' own)."""
    return Settings(
        model=args.model,
        voices=args.voices,
        data_dirs=tuple(args.data_dir),
        download_dir=args.download_dir,
        download=not args.no_download,
        voice=None if args.voice in (None, AUTO_VOICE) else args.voice,
        language=args.language,
        speed=args.speed,
        threads=args.threads,
        int8_rewrite=not args.no_int8_rewrite,
        vocoder_crop=args.vocoder_crop,
        speech_cache_mb=args.speech_cache_mb,
        device=args.device,
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
            send_timeout=args.send_timeout,
            max_sessions=args.max_sessions[0],
            auto_sessions=args.max_sessions[1],
            max_contexts=args.max_contexts,
            connection_idle_timeout=args.connection_idle_timeout,
        ),
        openai_voices=tuple(args.openai_voice),
        cors_origins=tuple(args.cors_origin),
        api_keys=tuple(args.api_key) if api_keys is None else api_keys,
        api_key_file=args.api_key_file,
        public_metrics=args.public_metrics,
        drain_timeout=args.drain_timeout,
        debug=args.debug,
        addon=args.addon_options is not None,
    )


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Flags (and add-on options, which become flags) to Settings; exits 2 on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return settings_from_args(args, _api_keys(parser, args))
