"""The deployment files agree with the server: every Kubernetes manifest (kustomize-rendered)
validates against the Kubernetes API schemas, and probe paths, ports, drain timings and container
args match the server's command line and defaults; so do the Dockerfile's HEALTHCHECK and EXPOSE.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from wyoming_kokoro.cli import parse_settings
from wyoming_kokoro.config import DEFAULT_DRAIN_TIMEOUT, DEFAULT_LIVE_PORT, DEFAULT_WYOMING_PORT
from wyoming_kokoro.server.readiness import READY_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = REPO_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest minor still supported upstream when written
PRE_STOP_SECONDS = 5
#: Time the process needs after the drain: closing sessions, the engine, exit.
CLOSE_MARGIN_SECONDS = 5


def _load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _pointer(doc: Any, path: str) -> tuple[Any, str | int]:
    """The parent of an RFC 6901 pointer and the last key (``-``: append)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    for part in parts[:-1]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    last = parts[-1]
    return doc, (last if not isinstance(doc, list) or last == "-" else int(last))


def _json_patch(doc: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``add`` and ``replace`` operations of RFC 6902 (all the overlays use)."""
    doc = copy.deepcopy(doc)
    for op in ops:
        parent, key = _pointer(doc, op["path"])
        if op["op"] == "add" and isinstance(parent, list):
            parent.append(op["value"]) if key == "-" else parent.insert(int(key), op["value"])
        elif op["op"] in ("add", "replace"):
            parent[key] = op["value"]
        else:
            raise AssertionError(f"unsupported patch op {op['op']}")
    return doc


def render_python(directory: Path) -> list[dict[str, Any]]:
    """What ``kustomize build`` makes of our kustomizations (resources, JSON patches)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "resources", "patches"}, kustomization
    objects: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        objects += render_python(path) if path.is_dir() else _load_all(path)
    for patch in kustomization.get("patches", []):
        target, ops = patch["target"], yaml.safe_load((directory / patch["path"]).read_text())
        objects = [
            _json_patch(obj, ops)
            if obj["kind"] == target["kind"] and obj["metadata"]["name"] == target["name"]
            else obj
            for obj in objects
        ]
    return objects


def render(directory: Path) -> list[dict[str, Any]]:
    """The rendered manifests: kustomize (kubectl's or standalone) when installed; the small
    renderer above otherwise (checked against kustomize wherever it is installed)."""
    if kubectl := shutil.which("kubectl"):
        command = [kubectl, "kustomize", str(directory)]
    elif kustomize := shutil.which("kustomize"):
        command = [kustomize, "build", str(directory)]
    else:
        return render_python(directory)
    output = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return [doc for doc in yaml.safe_load_all(output.stdout) if doc]


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in objects}


OVERLAYS = ("base", "gpu")


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict[str, Any]]]:
    return request.param, by_kind(render(KUBERNETES / request.param))


def container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    containers = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: dict[str, Any] = containers[0]
    return result


def test_every_manifest_validates_against_the_kubernetes_schemas(
    rendered: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    _, objects = rendered
    assert set(objects) == {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    }
    for obj in objects.values():
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_python_renderer_matches_kustomize() -> None:
    for overlay in OVERLAYS:
        assert by_kind(render_python(KUBERNETES / overlay)) == by_kind(render(KUBERNETES / overlay))


def test_a_broken_manifest_is_caught() -> None:
    """The validation above is not a formality: a misspelt field fails it."""
    deployment = copy.deepcopy(by_kind(render(KUBERNETES / "base"))["Deployment"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = (
        "/ready"
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_container_args_parse_and_match_the_ports(
    rendered: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    overlay, objects = rendered
    args = list(container(objects)["args"])
    settings = parse_settings(args)
    assert settings.device == ("cuda" if overlay == "gpu" else "cpu")
    assert settings.live_port == DEFAULT_LIVE_PORT
    assert settings.uri == f"tcp://0.0.0.0:{DEFAULT_WYOMING_PORT}"
    assert settings.drain_timeout == DEFAULT_DRAIN_TIMEOUT
    ports = {port["name"]: port["containerPort"] for port in container(objects)["ports"]}
    assert ports == {"live": settings.live_port, "wyoming": DEFAULT_WYOMING_PORT}
    service = {port["name"]: port for port in objects["Service"]["spec"]["ports"]}
    assert {name: (p["port"], p["targetPort"]) for name, p in service.items()} == {
        "live": (DEFAULT_LIVE_PORT, "live"),
        "wyoming": (DEFAULT_WYOMING_PORT, "wyoming"),
    }
    labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for selector in (
        objects["Service"]["spec"]["selector"],
        objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        objects["Deployment"]["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= labels.items()


def test_probes_and_drain_timings_match_the_server(
    rendered: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    _, objects = rendered
    spec = container(objects)
    assert spec["readinessProbe"]["httpGet"] == {"path": READY_PATH, "port": "live"}
    assert spec["livenessProbe"]["httpGet"] == {"path": "/health", "port": "live"}
    assert spec["startupProbe"]["httpGet"] == {"path": "/health", "port": "live"}
    assert spec["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", str(PRE_STOP_SECONDS)]
    drain = parse_settings(spec["args"][: spec["args"].index("--drain-timeout") + 2]).drain_timeout
    grace = objects["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= PRE_STOP_SECONDS + drain + CLOSE_MARGIN_SECONDS, grace


def test_gpu_overlay_asks_for_a_gpu_node() -> None:
    pod = by_kind(render(KUBERNETES / "gpu"))["Deployment"]["spec"]["template"]["spec"]
    resources = pod["containers"][0]["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"] and pod["tolerations"][0]["key"] == "nvidia.com/gpu"
    base = by_kind(render(KUBERNETES / "base"))["Deployment"]["spec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in str(base)


def test_autoscaler_reads_the_sessions_gauge_the_server_exports() -> None:
    from wyoming_kokoro.server.metrics import Metrics

    objects = by_kind(render(KUBERNETES / "base"))
    metric = objects["HorizontalPodAutoscaler"]["spec"]["metrics"][0]
    assert metric["type"] == "Pods"
    name = metric["pods"]["metric"]["name"]
    exported = Metrics().exposition().decode()
    assert re.search(rf"^# TYPE {name} gauge$", exported, re.MULTILINE), name
    rules = yaml.safe_load(
        (KUBERNETES / "monitoring" / "prometheus-adapter-rules.yaml").read_text()
    )
    rule = rules["rules"]["custom"][0]
    assert rule["seriesQuery"].startswith(f"{name}{{") and rule["name"]["as"] == name
    # The target stays below the admission limit, so replicas are added before one is full.
    args = container(objects)["args"]
    max_sessions = parse_settings(args).limits.max_sessions
    assert float(metric["pods"]["target"]["averageValue"]) < max_sessions
    monitor = _load_all(KUBERNETES / "monitoring" / "servicemonitor.yaml")[0]
    endpoint = monitor["spec"]["endpoints"][0]
    assert (endpoint["port"], endpoint["path"]) == ("live", "/metrics")
    assert monitor["spec"]["selector"]["matchLabels"] == objects["Service"]["metadata"]["labels"]


def test_dockerfile_healthcheck_and_ports_match_the_server() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = re.sub(r"\\\n\s*", " ", dockerfile)
    healthcheck = re.search(r"^HEALTHCHECK .*$", instructions, re.MULTILINE)
    assert healthcheck and f"http://127.0.0.1:{DEFAULT_LIVE_PORT}/health" in healthcheck.group()
    expose = re.search(r"^EXPOSE (.*)$", instructions, re.MULTILINE)
    assert expose and expose.group(1).split() == [str(DEFAULT_LIVE_PORT), str(DEFAULT_WYOMING_PORT)]
    assert re.search(r"^USER 10001", instructions, re.MULTILINE)
    assert re.search(r"^FROM python:3\.\d+-slim$", instructions, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", instructions, re.MULTILINE)
    assert cmd
    settings = parse_settings(yaml.safe_load(cmd.group(1)))
    assert settings.live_port == DEFAULT_LIVE_PORT
    assert settings.uri == f"tcp://0.0.0.0:{DEFAULT_WYOMING_PORT}"
    # The image runs as the same user the pods ask for.
    pod = by_kind(render(KUBERNETES / "base"))["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 10001
