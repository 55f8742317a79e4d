"""Settings, the command line built from them, and the request schema they share."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_kokoro.cli import build_parser, parse_settings, settings_from_args
from wyoming_kokoro.config import (
    DEFAULT_LIVE_PORT,
    DEFAULT_WYOMING_PORT,
    MAX_SPEED,
    MIN_SPEED,
    Limits,
    Settings,
)
from wyoming_kokoro.schema import (
    Request,
    RequestError,
    check_positive_int,
    check_request,
    check_speed,
)


def test_no_flags_give_the_default_settings() -> None:
    assert parse_settings([]) == Settings()


def test_defaults_hold_the_documented_ports() -> None:
    settings = Settings()
    assert settings.live_port == DEFAULT_LIVE_PORT == 8880
    assert settings.uri == f"tcp://0.0.0.0:{DEFAULT_WYOMING_PORT}" == "tcp://0.0.0.0:10200"


def test_parser_defaults_follow_the_settings() -> None:
    """Every default the parser shows is the dataclass's: nothing is written twice."""
    args = build_parser().parse_args([])
    defaults = Settings()
    assert args.model == defaults.model
    assert args.voice == defaults.voice
    assert args.speed == defaults.speed
    assert (args.live_host, args.live_port, args.uri) == (
        defaults.live_host,
        defaults.live_port,
        defaults.uri,
    )
    assert args.samples_per_chunk == defaults.samples_per_chunk
    assert (args.max_text_chars, args.max_frame_chars, args.max_sessions) == (
        defaults.limits.max_text_chars,
        defaults.limits.max_frame_chars,
        (defaults.limits.max_sessions, defaults.limits.auto_sessions),
    )
    assert args.device == defaults.device
    assert args.idle_timeout == defaults.limits.idle_timeout
    assert args.send_timeout == defaults.limits.send_timeout
    assert (args.max_contexts, args.connection_idle_timeout) == (
        defaults.limits.max_contexts,
        defaults.limits.connection_idle_timeout,
    )


def test_every_flag_reaches_its_setting(tmp_path: Path) -> None:
    argv = [
        *("--model", "fp16", "--voices", "v.bin", "--data-dir", str(tmp_path)),
        *("--data-dir", "b", "--download-dir", "d", "--no-download", "--threads", "3"),
        *("--no-int8-rewrite", "--vocoder-crop", "--device", "auto"),
        *("--speech-cache-mb", "2.5"),
        *("--voice", "jm_kumo", "--language", "ja", "--speed", "1.5"),
        *("--live-host", "127.0.0.1", "--live-port", "0", "--no-live"),
        *("--max-text-chars", "100", "--max-frame-chars", "10", "--idle-timeout", "2.5"),
        *(
            "--send-timeout",
            "4",
            "--max-sessions",
            "2",
            "--uri",
            "unix:///tmp/k.sock",
            "--no-wyoming",
        ),
        *("--zeroconf", "--no-streaming", "--samples-per-chunk", "512", "--debug"),
    ]
    assert settings_from_args(build_parser().parse_args(argv)) == Settings(
        model="fp16",
        voices="v.bin",
        data_dirs=(tmp_path, Path("b")),
        download_dir=Path("d"),
        download=False,
        voice="jm_kumo",
        language="ja",
        speed=1.5,
        threads=3,
        int8_rewrite=False,
        vocoder_crop=True,
        speech_cache_mb=2.5,
        device="auto",
        live_host="127.0.0.1",
        live_port=0,
        live=False,
        uri="unix:///tmp/k.sock",
        wyoming=False,
        zeroconf="kokoro-live",
        streaming=False,
        samples_per_chunk=512,
        limits=Limits(
            max_text_chars=100,
            max_frame_chars=10,
            idle_timeout=2.5,
            send_timeout=4.0,
            max_sessions=2,
            auto_sessions=False,
        ),
        debug=True,
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("auto", (16, True)), ("AUTO", (16, True)), ("3", (3, False))]
)
def test_max_sessions_is_auto_or_a_number(value: str, expected: tuple[int, bool]) -> None:
    limits = settings_from_args(build_parser().parse_args(["--max-sessions", value])).limits
    assert (limits.max_sessions, limits.auto_sessions) == expected


@pytest.mark.parametrize("value", ["0", "many", "-2"])
def test_max_sessions_refuses_anything_else(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--max-sessions", value])
    assert "max_sessions" in capsys.readouterr().err


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().voice = "x"  # type: ignore[misc]


def test_addon_options_stand_where_the_flag_stands(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text(
        '{"model": "embedded", "voice": "jf_nezumi", "language": "auto", "speed": 1.5, '
        '"max_sessions": 3, "debug_logging": false}'
    )
    settings = parse_settings(["--addon-options", str(options), "--voice", "jm_kumo"])
    assert settings.addon
    assert (settings.voice, settings.speed, settings.limits.max_sessions) == ("jm_kumo", 1.5, 3)
    assert settings.live_port == DEFAULT_LIVE_PORT


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--speed", "5"], "'speed' must be a number from 0.5 to 2.0, got 5.0"),
        (["--speed", "fast"], "'speed' must be a number from 0.5 to 2.0, got 'fast'"),
        (["--max-sessions", "0"], "'max_sessions' must be a whole number of at least 1, got 0"),
        (["--max-contexts", "0"], "'max_contexts' must be a whole number of at least 1, got 0"),
        (["--threads", "two"], "'threads' must be a whole number of at least 1, got 'two'"),
        (["--live-port", "70000"], "port must be 0-65535, got 70000"),
        (["--send-timeout", "0"], "'send_timeout' must be a number of seconds above 0, got '0'"),
        (["--send-timeout", "x"], "'send_timeout' must be a number of seconds above 0, got 'x'"),
        (
            ["--speech-cache-mb", "-1"],
            "'speech_cache_mb' must be a number of megabytes, 0 or more, got '-1'",
        ),
        (
            ["--speech-cache-mb", "lots"],
            "'speech_cache_mb' must be a number of megabytes, 0 or more, got 'lots'",
        ),
    ],
)
def test_bad_flags_exit_2_naming_the_field(argv: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_addon_options_exit_2(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text('{"speed": 9}')
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--addon-options", str(options)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid add-on options: option model is missing" in result.stderr


# --------------------------------------------------------------------------- request schema


def test_request_defaults_and_normalizes() -> None:
    assert check_request({}) == Request()
    assert check_request({"voice": "jf_alpha", "language": "en-US", "speed": 2}) == Request(
        "jf_alpha", "en-us", 2.0
    )
    assert check_request({"other": 1, "speed": None}) == Request()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"speed": 5}, "'speed' must be a number from 0.5 to 2.0, got 5"),
        ({"speed": True}, "'speed' must be a number from 0.5 to 2.0, got True"),
        ({"speed": float("nan")}, "'speed' must be a number from 0.5 to 2.0, got nan"),
        ({"speed": "1"}, "'speed' must be a number from 0.5 to 2.0, got '1'"),
        ({"voice": ""}, "'voice' must be a non-empty string, got ''"),
        ({"voice": 5}, "'voice' must be a non-empty string, got 5"),
        ({"language": 5}, "'language' must be a string such as 'en-us', got 5"),
        ({"language": "tlh"}, "Unsupported language 'tlh'. Supported: en-us"),
    ],
)
def test_bad_request_fields_are_named(request_: dict[str, object], message: str) -> None:
    with pytest.raises(RequestError) as caught:
        check_request(request_)
    assert str(caught.value).startswith(message)


def test_speed_bounds_are_inclusive() -> None:
    assert check_speed(MIN_SPEED) == MIN_SPEED
    assert check_speed(MAX_SPEED) == MAX_SPEED
    with pytest.raises(RequestError):
        check_speed(None)


def test_positive_int() -> None:
    assert check_positive_int("max_sessions", 1) == 1
    for bad in (0, -1, True, 1.5, "3"):
        with pytest.raises(RequestError, match="'max_sessions' must be a whole number"):
            check_positive_int("max_sessions", bad)
