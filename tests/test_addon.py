"""The Home Assistant add-on: config.yaml against the linter's schema, options to flags,
the container wiring, and the health check against a real Wyoming peer."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import re
import shlex
import socket
import struct
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from wyoming.event import async_read_event, async_write_event
from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice

from wyoming_kokoro import __version__
from wyoming_kokoro.addon.healthcheck import healthcheck
from wyoming_kokoro.addon.options import (
    AUTO_LANGUAGE,
    CUSTOM_MODEL,
    DOWNLOAD_DIR,
    LANGUAGE_OPTIONS,
    MODEL_OPTIONS,
    USER_FILES_DIR,
    AddonOptionsError,
    argv_from_options,
    load_options,
)
from wyoming_kokoro.addon.supervisor import services_for
from wyoming_kokoro.cli import build_parser, settings_from_args
from wyoming_kokoro.config import DEFAULT_LIVE_PORT as LIVE_PORT
from wyoming_kokoro.config import DEFAULT_WYOMING_PORT as WYOMING_PORT
from wyoming_kokoro.config import (
    MAX_SPEED,
    MIN_SPEED,
    MODEL_CHOICES,
    Limits,
    Settings,
)

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "addon"
SCHEMA_PATH = REPO / "tests" / "data" / "addon-config-schema.json"

# The Supervisor's grammar for option schema entries (supervisor addons/options.py).
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    data = _yaml(ADDON / "config.yaml")
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def translations() -> dict[str, Any]:
    data = _yaml(ADDON / "translations" / "en.yaml")
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def linter_schema() -> dict[str, Any]:
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _settings(argv: list[str]) -> Settings:
    return settings_from_args(build_parser().parse_args(argv))


def _default_options(config: dict[str, Any]) -> dict[str, Any]:
    return dict(config["options"])


# --------------------------------------------------------------------------- config.yaml


def test_config_is_valid_for_the_linter(
    config: dict[str, Any], linter_schema: dict[str, Any]
) -> None:
    validator = jsonschema.Draft7Validator(linter_schema)
    errors = sorted(str(e.message) for e in validator.iter_errors(config))
    assert errors == []


def test_config_sets_no_key_to_its_default(
    config: dict[str, Any], linter_schema: dict[str, Any]
) -> None:
    """The linter rejects keys that only repeat the Supervisor's default."""
    redundant = [
        key
        for key, spec in linter_schema["properties"].items()
        if "default" in spec and key in config and config[key] == spec["default"]
    ]
    assert redundant == []


def test_config_passes_the_linters_extra_rules(config: dict[str, Any]) -> None:
    """The add-on linter's checks beyond the JSON schema."""
    assert "watchdog" not in config  # obsolete: the Dockerfile has a HEALTHCHECK
    assert "auto_uart" not in config
    assert not any(":" in device for device in config.get("devices", []))
    assert isinstance(config.get("tmpfs", False), bool)
    if config.get("ingress"):
        assert "webui" not in config
    if config.get("full_access"):
        assert not {"devices", "gpio", "uart", "usb"} & set(config)
    if config.get("backup") == "cold":
        assert not {"backup_pre", "backup_post"} & set(config)


def test_config_opens_the_playground_through_ingress(config: dict[str, Any]) -> None:
    """The sidebar panel is the live port's playground, served under ingress's path prefix."""
    assert config["ingress"] is True
    assert config["ingress_port"] == LIVE_PORT
    assert config["panel_icon"].startswith("mdi:")
    assert f"{LIVE_PORT}/tcp" in config["ports"]


def test_config_identity(config: dict[str, Any]) -> None:
    assert config["name"] == "Kokoro Live"
    assert config["slug"] == "kokoro_live"
    assert config["version"] == __version__
    assert config["arch"] == ["amd64", "aarch64"]
    assert config["init"] is False


def test_discovery_names_are_the_announced_services(config: dict[str, Any]) -> None:
    announced = [s.service for s in services_for(_settings(argv_from_options(config["options"])))]
    assert config["discovery"] == announced


def test_ports_are_the_ones_the_servers_listen_on(
    config: dict[str, Any], translations: dict[str, Any]
) -> None:
    settings = _settings(argv_from_options(config["options"]))
    assert settings.uri == f"tcp://0.0.0.0:{WYOMING_PORT}"
    assert settings.live_port == LIVE_PORT
    ports = {f"{WYOMING_PORT}/tcp", f"{LIVE_PORT}/tcp"}
    assert set(config["ports"]) == ports
    assert set(config["ports_description"]) == ports
    assert set(translations["network"]) == ports
    assert [s.port for s in services_for(settings)] == [WYOMING_PORT, LIVE_PORT]


def test_user_files_map_and_backup_exclusions(config: dict[str, Any]) -> None:
    # addon_config is mounted at /config, the folder the flags search for user files.
    assert config["map"] == ["addon_config:ro"]
    assert str(USER_FILES_DIR) == "/config"
    assert {"*.onnx", "*.bin"} <= set(config["backup_exclude"])


def test_every_option_has_a_valid_schema_entry(config: dict[str, Any]) -> None:
    options, schema = config["options"], config["schema"]
    assert set(options) <= set(schema)
    for key, entry in schema.items():
        assert isinstance(entry, str) and RE_SCHEMA_ELEMENT.match(entry), (key, entry)
        # The Supervisor refuses to start when a required option has no value.
        assert entry.endswith("?") or key in options, f"{key} is required but has no default"


def test_schema_choices_match_the_mapper(config: dict[str, Any]) -> None:
    schema = config["schema"]
    assert schema["model"] == f"list({'|'.join(MODEL_OPTIONS)})"
    assert (*MODEL_CHOICES, CUSTOM_MODEL) == MODEL_OPTIONS
    assert schema["language"] == f"list({'|'.join(LANGUAGE_OPTIONS)})"
    assert schema["speed"] == f"float({MIN_SPEED},{MAX_SPEED})"


def test_every_option_is_translated(config: dict[str, Any], translations: dict[str, Any]) -> None:
    names = translations["configuration"]
    assert set(names) == set(config["schema"])
    for key, text in names.items():
        assert text["name"].strip() and text["description"].strip(), key


def test_docs_describe_every_option(config: dict[str, Any]) -> None:
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    missing = [key for key in config["schema"] if f"`{key}`" not in docs]
    assert missing == []


def test_build_yaml_matches_the_arches(config: dict[str, Any]) -> None:
    build = _yaml(ADDON / "build.yaml")
    assert set(build) <= {"build_from", "args", "squash"}
    assert set(build["build_from"]) == set(config["arch"])
    for arch, image in build["build_from"].items():
        # onnxruntime has no musl wheels: a Debian (glibc) base for every arch.
        assert image == f"ghcr.io/home-assistant/{arch}-base-debian:bookworm"
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG BUILD_FROM={build['build_from']['amd64']}\n" in dockerfile


def test_repository_yaml() -> None:
    repository = _yaml(REPO / "repository.yaml")
    assert set(repository) == {"name", "url", "maintainer"}
    assert repository["url"].startswith("https://")


@pytest.mark.parametrize(("name", "size"), [("icon.png", (128, 128)), ("logo.png", (250, 100))])
def test_images_are_real_pngs(name: str, size: tuple[int, int]) -> None:
    data = (ADDON / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == size
    assert len(data) < 100_000


# --------------------------------------------------------------------------- container wiring


def _run_script() -> str:
    return (ADDON / "rootfs" / "usr" / "local" / "bin" / "kokoro-live-run").read_text()


INSTALL_SCRIPT = ADDON / "rootfs" / "usr" / "local" / "bin" / "kokoro-live-install"


def test_dockerfile_runs_the_entry_script_and_health_check() -> None:
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["/usr/local/bin/kokoro-live-run"]' in dockerfile
    assert re.search(
        r'HEALTHCHECK .*\n\s+CMD \["/opt/kokoro-live/bin/python", "-m", '
        r'"wyoming_kokoro.addon", "healthcheck"\]',
        dockerfile,
    )
    assert re.search(
        r'kokoro-live-install "\$\{BUILD_VERSION\}" /opt/kokoro-live /tmp/kokoro-live-src\b',
        dockerfile,
    )
    exec_line = next(line for line in _run_script().splitlines() if line.startswith("exec "))
    assert shlex.split(exec_line)[1:] == [
        "/opt/kokoro-live/bin/python",
        "-m",
        "wyoming_kokoro",
        "--addon-options",
        "/data/options.json",
        "$@",
    ]


def test_image_copies_only_what_the_build_context_admits() -> None:
    """The image builds from the repository root: every COPY source exists and .dockerignore
    lets it through (a missing one fails the build on the release machine, not here)."""
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    admitted = [
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    ]
    sources = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert "wyoming_kokoro" in sources
    for source in sources:
        assert (REPO / source).exists(), source
        assert any(source == allowed or source.startswith(f"{allowed}/") for allowed in admitted), (
            source
        )


def test_image_installs_the_extra_the_tests_run_with() -> None:
    """The image's pip extra exists and is the one installed here, so tests cover the image."""
    script = INSTALL_SCRIPT.read_text(encoding="utf-8")
    extra = re.search(r"^readonly extra='(\w+)'$", script, re.MULTILINE)
    assert extra and extra.group(1) == "embedded"
    assert '"wyoming-kokoro[${extra}]==${version}"' in script
    dist = importlib.metadata.distribution("wyoming-kokoro")
    assert "embedded" in (dist.metadata.get_all("Provides-Extra") or [])
    pins = [r for r in dist.requires or [] if 'extra == "embedded"' in r]
    assert pins
    for pin in pins:
        name, _, version = pin.split(";")[0].partition("==")
        assert importlib.metadata.version(name.strip()) == version.strip(), pin


@pytest.mark.parametrize("args", [[], [""], ["latest"], ["0.1.0; rm -rf /"]])
def test_install_script_refuses_a_missing_or_bad_version(args: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT), *args, str(tmp_path / "venv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "need a release version" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_install_script_refuses_a_missing_source(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT), "0.1.0", str(tmp_path / "venv"), str(tmp_path / "no.whl")],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "no package source" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_scripts_are_executable_and_parse() -> None:
    for script in (INSTALL_SCRIPT, ADDON / "rootfs" / "usr" / "local" / "bin" / "kokoro-live-run"):
        assert script.stat().st_mode & 0o111, f"{script} is not executable"
        subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)


# --------------------------------------------------------------------------- options -> flags


def test_config_defaults_give_the_expected_settings(config: dict[str, Any]) -> None:
    settings = _settings(argv_from_options(_default_options(config)))
    expected = Settings(
        model="embedded",
        voices=None,
        data_dirs=(Path(str(USER_FILES_DIR)), Path(str(DOWNLOAD_DIR))),
        download_dir=Path(str(DOWNLOAD_DIR)),
        voice=None,
        language=None,
        speed=1.0,
        threads=None,
        live_host="0.0.0.0",
        live_port=LIVE_PORT,
        uri=f"tcp://0.0.0.0:{WYOMING_PORT}",
        limits=replace(
            Limits(), max_sessions=config["options"]["max_sessions"], auto_sessions=False
        ),
        debug=False,
    )
    assert settings == expected


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"model": "fp32"}, {"model": "fp32"}),
        ({"model": "fp16"}, {"model": "fp16"}),
        ({"model": "int8"}, {"model": "int8"}),
        (
            {"model": "custom", "custom_model_path": "mine/kokoro.onnx"},
            {"model": "/config/mine/kokoro.onnx"},
        ),
        (
            {"model": "custom", "custom_model_path": " /share/models/k.onnx "},
            {"model": "/share/models/k.onnx"},
        ),
        ({"custom_model_path": "ignored.onnx"}, {"model": "embedded"}),
        ({"custom_voices_path": "voices.bin"}, {"voices": "/config/voices.bin"}),
        ({"custom_voices_path": ""}, {"voices": None}),
        ({"voice": "af_heart:0.6+bf_emma:0.4"}, {"voice": "af_heart:0.6+bf_emma:0.4"}),
        ({"voice": "bm_george"}, {"voice": "bm_george"}),
        ({"voice": "auto"}, {"voice": None}),
        ({"language": "ja"}, {"language": "ja"}),
        ({"language": AUTO_LANGUAGE}, {"language": None}),
        ({"speed": 0.5}, {"speed": 0.5}),
        ({"speed": 2}, {"speed": 2.0}),
        ({"speed": 1.25}, {"speed": 1.25}),
        ({"threads": 3}, {"threads": 3}),
        ({"threads": None}, {"threads": None}),
        ({"debug_logging": True}, {"debug": True}),
        ({"api_key": " kl-addon-key-01 "}, {"api_keys": ("kl-addon-key-01",)}),
        ({"api_key": ""}, {"api_keys": ()}),
    ],
)
def test_each_option_maps_to_its_setting(
    config: dict[str, Any], changes: dict[str, Any], fields: dict[str, Any]
) -> None:
    settings = _settings(argv_from_options({**_default_options(config), **changes}))
    assert {key: getattr(settings, key) for key in fields} == fields


def test_max_sessions_maps_to_the_limit(config: dict[str, Any]) -> None:
    settings = _settings(argv_from_options({**_default_options(config), "max_sessions": 7}))
    assert settings.limits.max_sessions == 7


@pytest.mark.parametrize("language", LANGUAGE_OPTIONS)
def test_every_language_choice_parses(config: dict[str, Any], language: str) -> None:
    settings = _settings(argv_from_options({**_default_options(config), "language": language}))
    assert settings.language == (None if language == AUTO_LANGUAGE else language)


def test_later_flags_override_the_options(config: dict[str, Any]) -> None:
    """``--addon-options`` puts option flags first, so flags typed by hand win."""
    argv = [
        *argv_from_options(_default_options(config)),
        "--voice",
        "am_michael",
        "--live-port",
        "0",
    ]
    settings = _settings(argv)
    assert (settings.voice, settings.live_port) == ("am_michael", 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": "fp64"}, "model must be one of embedded, fp32, fp16, int8, custom"),
        ({"model": "custom"}, "custom_model_path is empty"),
        ({"model": "custom", "custom_model_path": "  "}, "custom_model_path is empty"),
        ({"model": "custom", "custom_model_path": 5}, "custom_model_path must be a file path"),
        ({"custom_voices_path": ["a"]}, "custom_voices_path must be a file path"),
        ({"voice": ""}, "voice must be 'auto' (each language's natural voice), a voice name"),
        ({"voice": 3}, "voice must be 'auto'"),
        ({"language": "klingon"}, "language must be one of en-us"),
        ({"speed": 0.49}, "speed must be between 0.5 and 2.0, not 0.49"),
        ({"speed": 2.5}, "speed must be between 0.5 and 2.0"),
        ({"speed": float("nan")}, "speed must be between"),
        ({"speed": "fast"}, "speed must be a number, not text"),
        ({"speed": True}, "speed must be a number"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"threads": 2.5}, "threads must be a whole number"),
        ({"max_sessions": "4"}, "max_sessions must be a whole number"),
        ({"max_sessions": -1}, "max_sessions must be at least 1"),
        ({"debug_logging": "yes"}, "debug_logging must be true or false"),
        ({"voice": None}, "option voice is missing"),
        ({"api_key": "two words"}, "The API key from the api_key option has characters other"),
        ({"api_key": 12345}, "api_key must be text, not a number"),
    ],
)
def test_bad_options_raise_a_clear_error(
    config: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(AddonOptionsError, match=re.escape(message)):
        argv_from_options({**_default_options(config), **changes})


@pytest.mark.parametrize("key", ["model", "voice", "language", "speed", "max_sessions"])
def test_missing_required_option_is_named(config: dict[str, Any], key: str) -> None:
    options = _default_options(config)
    del options[key]
    with pytest.raises(AddonOptionsError, match=f"option {key} is missing"):
        argv_from_options(options)


def test_unknown_options_are_ignored_with_a_warning(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    options = {**_default_options(config), "old_option": 1}
    assert argv_from_options(options) == argv_from_options(_default_options(config))
    assert "Ignoring unknown add-on options: old_option" in caplog.text


def test_load_options_reads_options_json(config: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "options.json"
    path.write_text(json.dumps({**_default_options(config), "voice": "bf_emma"}))
    assert _settings(load_options(path)).voice == "bf_emma"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ("[1, 2]", "must hold a JSON object, not a list"),
        ("", "is not valid JSON"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_load_options_rejects_bad_files(content: str | bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "options.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(AddonOptionsError, match=re.escape(message)):
        load_options(path)


def test_load_options_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(AddonOptionsError, match=f"cannot read {re.escape(str(path))}: No such"):
        load_options(path)
    with pytest.raises(AddonOptionsError, match=r"cannot read .*: Is a directory"):
        load_options(tmp_path)


# --------------------------------------------------------------------------- health check


class WyomingPeer:
    """A real Wyoming TCP server on 127.0.0.1 whose answer to describe is chosen per test."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.seen: list[str] = []
        self.server: asyncio.Server | None = None

    @property
    def uri(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"tcp://127.0.0.1:{port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            event = await async_read_event(reader)
            if event is not None:
                self.seen.append(event.type)
            if self.mode == "info" and event is not None and Describe.is_type(event.type):
                await async_write_event(_info().event(), writer)
            elif self.mode == "silent":
                await asyncio.sleep(30)
        finally:
            writer.close()


def _info() -> Info:
    attribution = Attribution(name="test", url="https://example.invalid")
    voice = TtsVoice(
        name="jf_alpha",
        description="jf_alpha",
        attribution=attribution,
        installed=True,
        version=None,
        languages=["en-us"],
    )
    program = TtsProgram(
        name="kokoro",
        description="test",
        attribution=attribution,
        installed=True,
        version=__version__,
        voices=[voice],
    )
    return Info(tts=[program])


@pytest.fixture
async def peer(request: pytest.FixtureRequest) -> AsyncIterator[WyomingPeer]:
    wyoming = WyomingPeer(request.param)
    wyoming.server = await asyncio.start_server(wyoming.handle, "127.0.0.1", 0)
    try:
        yield wyoming
    finally:
        wyoming.server.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    yield port


@pytest.mark.parametrize("peer", ["info"], indirect=True)
async def test_healthy_when_describe_gets_info(peer: WyomingPeer) -> None:
    assert await healthcheck(peer.uri, 5) is None
    assert peer.seen == ["describe"]


@pytest.mark.parametrize("peer", ["close"], indirect=True)
async def test_unhealthy_when_the_server_hangs_up(peer: WyomingPeer) -> None:
    problem = await healthcheck(peer.uri, 5)
    assert problem == f"{peer.uri} closed the connection without sending info"


@pytest.mark.parametrize("peer", ["silent"], indirect=True)
async def test_unhealthy_when_the_server_does_not_answer(peer: WyomingPeer) -> None:
    problem = await healthcheck(peer.uri, 0.3)
    assert problem == f"{peer.uri} did not answer describe within 0.3 s"


async def test_unhealthy_when_nothing_listens(closed_port: int) -> None:
    problem = await healthcheck(f"tcp://127.0.0.1:{closed_port}", 5)
    assert problem is not None and problem.startswith("cannot reach tcp://127.0.0.1:")


async def test_unhealthy_on_a_bad_uri() -> None:
    problem = await healthcheck("tcp://127.0.0.1", 5)
    assert problem is not None and problem.startswith("bad URI tcp://127.0.0.1")


async def _healthcheck_command(uri: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wyoming_kokoro.addon",
        "healthcheck",
        "--uri",
        uri,
        "--timeout",
        "20",
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.mark.parametrize("peer", ["info"], indirect=True)
async def test_healthcheck_command_exits_zero_when_healthy(peer: WyomingPeer) -> None:
    """The exact command the Dockerfile's HEALTHCHECK runs."""
    assert await _healthcheck_command(peer.uri) == (0, "")


async def test_healthcheck_command_exits_one_when_unhealthy(closed_port: int) -> None:
    code, stderr = await _healthcheck_command(f"tcp://127.0.0.1:{closed_port}")
    assert code == 1
    assert stderr.startswith("unhealthy: cannot reach tcp://127.0.0.1:")
    assert "Traceback" not in stderr
