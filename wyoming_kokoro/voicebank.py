"""``python -m wyoming_kokoro.voicebank``: assemble the 54 official voices into the cache.

``script/setup`` runs it (npm fetches the package); container builds pass ``--tarball``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .modelfiles import ModelError, default_cache_dir
from .modelfiles.voicebank import (
    KOKORO_JS_SPEC,
    TARBALL_NAME,
    assemble_voice_bank,
    cached_voice_bank,
)

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Assemble the bank into the cache folder (``script/setup`` and container builds)."""
    parser = argparse.ArgumentParser(
        prog="python -m wyoming_kokoro.voicebank",
        description=f"Assemble the 54 official Kokoro voices from {KOKORO_JS_SPEC}.",
    )
    parser.add_argument("--cache-dir", type=Path, help="default: the server's cache folder")
    parser.add_argument("--tarball", type=Path, help=f"{TARBALL_NAME}, else fetched with npm")
    parser.add_argument(
        "--check", action="store_true", help="only tell (exit 0 or 1) whether the bank is cached"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    cache_dir = args.cache_dir.expanduser() if args.cache_dir else default_cache_dir()
    if args.check:
        return 0 if cached_voice_bank(cache_dir) is not None else 1
    try:
        bank = assemble_voice_bank(cache_dir, tarball=args.tarball)
    except ModelError as err:
        _LOGGER.error("%s", err)
        return 1
    print(bank)
    return 0


if __name__ == "__main__":
    sys.exit(main())
