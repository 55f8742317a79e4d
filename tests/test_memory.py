"""Memory after a long input returns near its level after warm-up.

Kanji read with ``en-us`` become "Chinese letter, Japanese letter, ...": a few dozen characters
give the longest batches the model takes, the largest working memory an inference needs. That
memory must go back once the reply is done. Measured in a fresh process, so that what other
tests hold does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: What a reply may leave behind, over the level after warm-up.
MAX_GROWTH_MB = 150

#: Loading may peak this much above what the loaded engine holds (parsing, the int8 rewrite and
#: the graph split hold one copy of the weights at a time; three copies peaked at 1.85x).
MAX_LOAD_PEAK_RATIO = 1.5

PROBE = """
import asyncio, contextlib, json, os
from pathlib import Path
from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine

KANJI = "今日は東京の空が青くて公園には多くの人が集まっています明日は雨"

def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

def peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would count the test
    # runner this process was forked from.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")

async def speak(engine: Engine, text: str) -> int:
    params = engine.speech_params(language="en-us")
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        return sum([len(chunk) async for chunk in stream])

async def main() -> None:
    engine = await asyncio.to_thread(Engine.load, Settings(language="en-us"))
    loaded, load_peak = rss_mb(), peak_mb()
    await speak(engine, "Okay, I turned on the kitchen lights.")
    baseline = rss_mb()
    # Two at once, as two listeners would: both inference workers busy with long batches.
    sizes = await asyncio.gather(speak(engine, KANJI), speak(engine, KANJI[::-1]))
    after = rss_mb()
    peak = peak_mb()
    await asyncio.to_thread(engine.close)
    print(json.dumps({
        "loaded": loaded, "load_peak": load_peak,
        "baseline": baseline, "after": after, "peak": peak, "audio": sizes,
    }))

asyncio.run(main())
"""


def test_memory_returns_near_baseline_after_a_long_input() -> None:
    figures = probe()
    # Long batches: each reply is more than 20 s of audio (24 kHz, 16-bit) from one segment.
    assert all(size > 20 * 48_000 for size in figures["audio"]), figures
    # The reply needed far more memory than it may leave behind ...
    assert figures["peak"] > figures["baseline"] + MAX_GROWTH_MB, figures
    # ... and gave it back.
    assert figures["after"] < figures["baseline"] + MAX_GROWTH_MB, figures


def test_loading_holds_one_copy_of_the_model_at_a_time() -> None:
    figures = probe()
    assert figures["load_peak"] < MAX_LOAD_PEAK_RATIO * figures["loaded"], figures


def probe() -> dict[str, Any]:
    """Run the probe in a fresh process (once per test session)."""
    if not _FIGURES:
        _FIGURES.update(_run_probe())
    return _FIGURES


_FIGURES: dict[str, Any] = {}


def _run_probe() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures
