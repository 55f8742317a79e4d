"""Benchmark: what the speech-ready text stage costs per segment, printed as JSON.

Segments the replies of the language (``text_replies_languages.py``) as the engine does and
times ``verbalize`` on each
segment, with the number-spelling caches emptied before every call (the cost of numbers seen
for the first time) and with warm caches. The stage runs before every segment's phonemization,
so it adds to the time to first audio: the budget is 2 ms p95 per segment::

    .venv/bin/python bench/text_bench.py [--repeats 200] [--language en-us]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_replies_languages import DENSE_BY_LANGUAGE, REPLIES_BY_LANGUAGE

from wyoming_kokoro.text import Segmenter
from wyoming_kokoro.text.verbalize import cmn, hi_numbers, verbalize
from wyoming_kokoro.text.verbalize.spell import Speller

#: A segment of the segmenter's maximum length, made of nothing but forms to rewrite.
DENSE = (
    "$12.50, 3:30 PM, Dec. 5th, 72°F, 45%, 1/4 tsp, 3.5GHz, €1,000, 221 Baker St., 7:05 a.m., "
    "(555) 123-4567, 2.1.3, 192.168.1.10, Dr. Smith, e.g., 1984, the 1990s, 3-5 km, 1 1/2 cups, "
    "$1.5M, 00:05:00, 2024-12-05, 12/05/2024, 21.5 °C, 80 km/h, 65 W, R&D, #1, help@example.com"
)


def segments(language: str) -> list[str]:
    """Every segment of every reply, cut as the engine cuts them."""
    out: list[str] = []
    for written, _ in REPLIES_BY_LANGUAGE[language]:
        segmenter = Segmenter(language=language)
        out += [segment.text for segment in segmenter.push(written) + segmenter.finish()]
    return out


def _clear_caches() -> None:
    for method in (Speller.cardinal, Speller.ordinal, Speller.year):
        method.cache_clear()
    hi_numbers.cardinal.cache_clear()
    cmn.cardinal.cache_clear()


def timings_ms(
    texts: list[str],
    language: str,
    repeats: int,
    cold: bool,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """One timing per segment and repeat, in milliseconds (``time.thread_time`` for the CPU
    time alone, which a machine shared with other work does not inflate)."""
    times = []
    for _ in range(repeats):
        for text in texts:
            if cold:
                _clear_caches()
            started = clock()
            verbalize(text, language)
            times.append((clock() - started) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 4),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 4),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 4),
        "max_ms": round(ordered[-1], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--language", default="en-us", choices=sorted(REPLIES_BY_LANGUAGE))
    args = parser.parse_args()
    texts = segments(args.language)
    dense = DENSE_BY_LANGUAGE.get(args.language, DENSE)
    verbalize(texts[0], args.language)  # imports and compiled patterns, as at server start
    report = {
        "language": args.language,
        "segments": len(texts),
        "mean_segment_chars": round(statistics.mean(len(text) for text in texts), 1),
        "repeats": args.repeats,
        "cold_caches": summary(timings_ms(texts, args.language, args.repeats, cold=True)),
        "warm_caches": summary(timings_ms(texts, args.language, args.repeats, cold=False)),
        # The longest segment the segmenter makes, dense with forms: the worst case per segment.
        "dense_300_chars_cold": summary(timings_ms([dense], args.language, args.repeats, True)),
        "dense_300_chars_cold_cpu": summary(
            timings_ms([dense], args.language, args.repeats, True, time.thread_time)
        ),
        "budget_p95_ms": 2.0,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
