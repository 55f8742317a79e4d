"""The Home Assistant add-on's options: ``/data/options.json`` to command-line flags.

The Supervisor writes the user's options to ``/data/options.json``. Turning them into the
same flags a user would type keeps one source of truth for settings
(:func:`wyoming_kokoro.cli.build_parser`), and checking them here gives a one-line error
in the add-on log instead of a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from ..config import (
    AUTO_VOICE,
    DEFAULT_LIVE_PORT,
    DEFAULT_WYOMING_PORT,
    MAX_SPEED,
    MIN_SPEED,
    MODEL_CHOICES,
)
from ..engine.languages import LANGUAGES
from ..schema import RequestError, check_speed
from ..server.auth import ApiKeyError, check_key

_LOGGER = logging.getLogger(__name__)

#: The ``addon_config`` map: the user's own model and voice files (read-only).
USER_FILES_DIR = PurePosixPath("/config")
#: Official model files are downloaded here, inside the add-on's private ``/data``.
DOWNLOAD_DIR = PurePosixPath("/data/models")

#: ``model`` option values: the named models of ``--model`` plus a user file.
CUSTOM_MODEL = "custom"
MODEL_OPTIONS = (*MODEL_CHOICES, CUSTOM_MODEL)

#: ``language`` option values; ``auto`` lets every voice speak its own language.
AUTO_LANGUAGE = "auto"
LANGUAGE_OPTIONS = (*LANGUAGES, AUTO_LANGUAGE)

#: Flags every add-on start gets: listen on all interfaces at the default ports, which
#: config.yaml publishes.
FIXED_ARGV = (
    "--uri",
    f"tcp://0.0.0.0:{DEFAULT_WYOMING_PORT}",
    "--live-host",
    "0.0.0.0",
    "--live-port",
    str(DEFAULT_LIVE_PORT),
    "--data-dir",
    str(USER_FILES_DIR),
    "--data-dir",
    str(DOWNLOAD_DIR),
    "--download-dir",
    str(DOWNLOAD_DIR),
)

_KNOWN_OPTIONS = frozenset(
    {
        "model",
        "custom_model_path",
        "custom_voices_path",
        "voice",
        "language",
        "speed",
        "threads",
        "max_sessions",
        "debug_logging",
        "api_key",
    }
)


class AddonOptionsError(ValueError):
    """The add-on options cannot be used; the message names the option and the fix."""


def load_options(path: Path) -> list[str]:
    """Read the Supervisor's options.json and return the command-line flags it stands for."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise AddonOptionsError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise AddonOptionsError(f"{path} is not UTF-8 text") from None
    try:
        options = json.loads(text)
    except json.JSONDecodeError as err:
        raise AddonOptionsError(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(options, dict):
        raise AddonOptionsError(f"{path} must hold a JSON object, not {_json_type(options)}")
    return argv_from_options(options)


def argv_from_options(options: Mapping[str, object]) -> list[str]:
    """Turn add-on options into flags for :func:`wyoming_kokoro.cli.build_parser`."""
    unknown = sorted(set(options) - _KNOWN_OPTIONS)
    if unknown:
        _LOGGER.warning("Ignoring unknown add-on options: %s", ", ".join(unknown))

    argv: list[str] = ["--model", _model(options)]
    voices = _optional_path(options, "custom_voices_path")
    if voices is not None:
        argv += ["--voices", voices]
    voice = _voice(options)
    if voice != AUTO_VOICE:
        argv += ["--voice", voice]
    language = _choice(options, "language", LANGUAGE_OPTIONS)
    if language != AUTO_LANGUAGE:
        argv += ["--language", language]
    argv += ["--speed", repr(_speed(options))]
    threads = _int(options, "threads", required=False)
    if threads is not None:
        argv += ["--threads", str(threads)]
    argv += ["--max-sessions", str(_int(options, "max_sessions", required=True))]
    if _bool(options, "debug_logging"):
        argv.append("--debug")
    api_key = _api_key(options)
    if api_key is not None:
        argv += ["--api-key", api_key]
    return [*argv, *FIXED_ARGV]


def _model(options: Mapping[str, object]) -> str:
    model = _choice(options, "model", MODEL_OPTIONS)
    custom = _optional_path(options, "custom_model_path")
    if model != CUSTOM_MODEL:
        if custom is not None:
            _LOGGER.info("custom_model_path is ignored because model is %r", model)
        return model
    if custom is None:
        raise AddonOptionsError(
            "model is 'custom' but custom_model_path is empty: set it to an .onnx file "
            f"in the add-on's configuration folder ({USER_FILES_DIR} in the add-on), "
            "or choose another model"
        )
    return custom


def _optional_path(options: Mapping[str, object], key: str) -> str | None:
    """A user file path; relative paths live in the add-on's configuration folder."""
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AddonOptionsError(f"{key} must be a file path, not {_json_type(value)}")
    value = value.strip()
    if not value:
        return None
    path = PurePosixPath(value)
    return str(path if path.is_absolute() else USER_FILES_DIR / path)


def _voice(options: Mapping[str, object]) -> str:
    value = _required(options, "voice")
    if not isinstance(value, str) or not value.strip():
        raise AddonOptionsError(
            f"voice must be {AUTO_VOICE!r} (each language's natural voice), a voice name like "
            "af_heart, or a blend like af_heart:0.6+bf_emma:0.4"
        )
    return value.strip()


def _api_key(options: Mapping[str, object]) -> str | None:
    """The live port's key (None or empty: the live port is open); never quoted back."""
    value = options.get("api_key")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise AddonOptionsError(f"api_key must be text, not {_json_type(value)}")
    try:
        return check_key(value.strip(), "the api_key option")
    except ApiKeyError as error:
        raise AddonOptionsError(str(error)) from None


def _choice(options: Mapping[str, object], key: str, choices: Sequence[str]) -> str:
    value = _required(options, key)
    if not isinstance(value, str) or value not in choices:
        raise AddonOptionsError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _speed(options: Mapping[str, object]) -> float:
    value = _required(options, "speed")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AddonOptionsError(f"speed must be a number, not {_json_type(value)}")
    try:
        return check_speed(value)
    except RequestError:
        raise AddonOptionsError(
            f"speed must be between {MIN_SPEED} and {MAX_SPEED}, not {value}"
        ) from None


def _int(options: Mapping[str, object], key: str, *, required: bool) -> int | None:
    value = _required(options, key) if required else options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise AddonOptionsError(f"{key} must be a whole number, not {value!r}")
    if value < 1:
        raise AddonOptionsError(f"{key} must be at least 1, not {value}")
    return value


def _bool(options: Mapping[str, object], key: str) -> bool:
    value = _required(options, key)
    if not isinstance(value, bool):
        raise AddonOptionsError(f"{key} must be true or false, not {value!r}")
    return value


def _required(options: Mapping[str, object], key: str) -> object:
    if key not in options or options[key] is None:
        raise AddonOptionsError(f"option {key} is missing")
    return options[key]


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "null")
