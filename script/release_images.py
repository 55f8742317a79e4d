"""The container images a release builds, read from the files that name them.

The release workflow asks this instead of repeating names: the add-on image is config.yaml's
``image:`` (what Home Assistant pulls) with ``{arch}`` filled in and its base from build.yaml; the
server image is the one the Kubernetes manifests in deploy/ run. Prints ``key=value`` lines, the
format of ``$GITHUB_OUTPUT``.

Usage: python script/release_images.py addon ARCH | deploy
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from check_version import ADDON_CONFIG, deployment_image, gpu_image, project_version

ADDON_BUILD = Path("addon/build.yaml")
#: Home Assistant's arch names and the platforms Docker builds them for.
PLATFORMS = {"amd64": "linux/amd64", "aarch64": "linux/arm64"}


def addon_outputs(root: Path, arch: str) -> dict[str, str]:
    """The add-on image of one arch: its name, tag, base image and Docker platform."""
    config = yaml.safe_load((root / ADDON_CONFIG).read_text(encoding="utf-8"))
    build = yaml.safe_load((root / ADDON_BUILD).read_text(encoding="utf-8"))
    if arch not in config["arch"] or arch not in PLATFORMS:
        raise ValueError(f"the add-on is not built for {arch!r} (config.yaml: {config['arch']})")
    return {
        "image": str(config["image"]).replace("{arch}", arch),
        "version": str(config["version"]),
        "build_from": str(build["build_from"][arch]),
        "platform": PLATFORMS[arch],
    }


def deploy_outputs(root: Path) -> dict[str, str]:
    """The server image (every arch the add-on has) and its GPU variant (amd64)."""
    config = yaml.safe_load((root / ADDON_CONFIG).read_text(encoding="utf-8"))
    image, _, tag = deployment_image(root).rpartition(":")
    return {
        "image": image,
        "version": project_version(root),
        "tag": tag,
        "gpu_tag": gpu_image(root).rpartition(":")[2],
        "platforms": ",".join(PLATFORMS[arch] for arch in config["arch"]),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the outputs of the asked image."""
    parser = argparse.ArgumentParser(description="The images a release builds.")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    kinds = parser.add_subparsers(dest="kind", required=True)
    kinds.add_parser("addon").add_argument("arch", help="amd64 or aarch64")
    kinds.add_parser("deploy")
    args = parser.parse_args(argv)
    try:
        outputs = (
            addon_outputs(args.root, args.arch)
            if args.kind == "addon"
            else deploy_outputs(args.root)
        )
    except ValueError as error:
        print(f"release-images: {error}", file=sys.stderr)
        return 2
    for key, value in outputs.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
