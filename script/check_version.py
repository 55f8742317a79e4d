"""Check that every place a release names its version agrees with pyproject.toml.

pyproject.toml is the one source; the package reads it back from its installed metadata. The
files Home Assistant, HACS and Kubernetes read cannot: the add-on's config.yaml (the image tag
Home Assistant pulls), the add-on's CHANGELOG.md (its newest entry), the integration's
manifest.json and the image tags of the Kubernetes manifests in deploy/. A release tag, when
given (``--tag v0.2.0``, as the release workflow does), must name it too.

Usage: python script/check_version.py [--root DIR] [--tag TAG]. Exits 1 listing each mismatch.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

import yaml

ADDON_CONFIG = Path("addon/config.yaml")
ADDON_CHANGELOG = Path("addon/CHANGELOG.md")
MANIFEST = Path("custom_components/kokoro_live/manifest.json")
DEPLOYMENT = Path("deploy/kubernetes/base/deployment.yaml")
GPU_PATCH = Path("deploy/kubernetes/gpu/deployment-gpu.yaml")
#: The first release heading of a changelog: ``## 0.2.0`` (anything after the version ignored).
_CHANGELOG_HEADING = re.compile(r"^## \[?v?([^\s\]]+)", re.MULTILINE)


def project_version(root: Path) -> str:
    """The version in pyproject.toml, the single source."""
    with (root / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def written_versions(root: Path) -> dict[str, str | None]:
    """Each other file's version as written there (None: the file names none)."""
    config = yaml.safe_load((root / ADDON_CONFIG).read_text(encoding="utf-8"))
    changelog = _CHANGELOG_HEADING.search((root / ADDON_CHANGELOG).read_text(encoding="utf-8"))
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return {
        str(ADDON_CONFIG): _text(config.get("version")),
        f"{ADDON_CHANGELOG} (newest entry)": changelog.group(1) if changelog else None,
        str(MANIFEST): _text(manifest.get("version")),
        f"{DEPLOYMENT} (image tag)": _image_tag(deployment_image(root)),
        f"{GPU_PATCH} (image tag)": _image_tag(gpu_image(root)).removesuffix("-gpu"),
    }


def deployment_image(root: Path) -> str:
    """The image the Kubernetes Deployment runs (``name:tag``)."""
    deployment = yaml.safe_load((root / DEPLOYMENT).read_text(encoding="utf-8"))
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def gpu_image(root: Path) -> str:
    """The image the GPU overlay puts in its place."""
    patches = yaml.safe_load((root / GPU_PATCH).read_text(encoding="utf-8"))
    return next(str(p["value"]) for p in patches if p["path"].endswith("/image"))


def _image_tag(image: str) -> str:
    return image.rpartition(":")[2]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def mismatches(root: Path, tag: str | None = None) -> list[str]:
    """One line per file (or the tag) that does not name pyproject.toml's version."""
    expected = project_version(root)
    found = written_versions(root)
    if tag is not None:
        found[f"tag {tag}"] = tag.removeprefix("v")
    return [
        f"{where}: {version!r}, but pyproject.toml says {expected!r}"
        for where, version in found.items()
        if version != expected
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the agreed version, or each mismatch and exit 1."""
    parser = argparse.ArgumentParser(description="Check the version is the same everywhere.")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--tag", help="a release tag that must name the version (v0.2.0)")
    args = parser.parse_args(argv)
    problems = mismatches(args.root, args.tag)
    for problem in problems:
        print(f"check-version: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(project_version(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
