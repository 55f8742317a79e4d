"""Benchmark: time to first byte of ``POST /v1/audio/speech`` next to the live path's first audio.

One run, one loaded model, one in-process live port on a real socket: the bench's reference
reply (``bench.REPLY``) through ``/v1/audio/speech`` as ``pcm`` and ``mp3``, through
``/ws/tts/live`` sent whole, and kokoro-onnx's own ``create_stream`` (the naive baseline)::

    .venv/bin/python bench/api_bench.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import aiohttp

# bench/ is the script's directory, so its sibling imports as ``bench``.
from bench import REPLY, live_session, naive_baseline
from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.server.openai_api import SPEECH_PATH, add_openai_routes


async def speech_request(port: int, response_format: str) -> dict[str, float]:
    """One request: seconds to the first body byte and to the end, bytes received."""
    body = {"model": "tts-1", "input": REPLY, "response_format": response_format}
    received = 0
    first = 0.0
    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        async with http.post(f"http://127.0.0.1:{port}{SPEECH_PATH}", json=body) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_any():
                if not received:
                    first = time.perf_counter() - started
                received += len(chunk)
        total = time.perf_counter() - started
    return {"ttfb_s": first, "total_s": total, "bytes": received}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _has_speech_api(server: LiveServer) -> bool:
    return any(resource.canonical == SPEECH_PATH for resource in server.app.router.resources())


async def run(repeats: int) -> dict[str, Any]:
    settings = Settings(
        language="en-us",
        live_host="127.0.0.1",
        live_port=0,
        limits=Limits(auto_sessions=False, max_sessions=8),
        speech_cache_mb=0,  # the same reply each time: measure synthesis, not replay
    )
    engine = await asyncio.to_thread(Engine.load, settings)
    server = LiveServer(engine, settings)
    if not _has_speech_api(server):
        add_openai_routes(server.app)
    await server.start()
    try:
        await speech_request(server.port, "mp3")  # warm the encoder libraries
        results: dict[str, list[dict[str, float]]] = {"pcm": [], "mp3": [], "live": []}
        for _ in range(repeats):  # interleaved, so drift in machine load hits all alike
            for response_format in ("pcm", "mp3"):
                results[response_format].append(await speech_request(server.port, response_format))
            live = await live_session(server.port, [REPLY], 0)
            results["live"].append({"ttfb_s": live.ttfa, "total_s": live.total})
    finally:
        await server.close()
        engine.close()
    default = engine.default_params
    baseline = await asyncio.to_thread(naive_baseline, settings, default.voice, default.language)

    live_first = _median(results["live"], "ttfb_s")
    report: dict[str, Any] = {
        "model": engine.description,
        "voice": engine.default_params.voice,
        "repeats": repeats,
        "live_ws_first_audio_s": live_first,
        "live_ws_total_s": _median(results["live"], "total_s"),
    }
    for response_format in ("pcm", "mp3"):
        runs = results[response_format]
        report[f"http_{response_format}"] = {
            "ttfb_s": _median(runs, "ttfb_s"),
            "total_s": _median(runs, "total_s"),
            "bytes": _median(runs, "bytes"),
            "ttfb_vs_live_first_audio": _median(runs, "ttfb_s") / live_first,
            "ttfb_improvement_vs_baseline": baseline["ttfa_s"] / _median(runs, "ttfb_s"),
        }
    report["naive_baseline_create_stream_first_audio_s"] = baseline["ttfa_s"]
    report["naive_baseline_total_s"] = baseline["total_s"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.repeats)), indent=2))


if __name__ == "__main__":
    main()
