"""The engine as shipped speaks as the engine before the graph split: bench/quality.py on a few
texts, and proof that the comparison catches a crop that cuts into speech."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine import model as model_module

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from quality import Spoken, compare, speak

from .helpers import TEST_SETTINGS

TEXTS = (
    "Okay, I turned on the kitchen lights.",
    "Is there anything else?",
    "I need milk, eggs, bread, and butter.",
    "The front door is locked and the garage is closed and all the lights downstairs are off now.",
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def every_frame() -> AsyncIterator[Engine]:
    """The engine as it was before the split: the vocoder decodes every predicted frame."""
    loaded = await asyncio.to_thread(Engine.load, replace(TEST_SETTINGS, vocoder_crop=False))
    yield loaded
    await asyncio.to_thread(loaded.close)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def reference(every_frame: Engine) -> list[Spoken]:
    params = every_frame.default_params
    return [await speak(every_frame, text, params) for text in TEXTS]


async def test_the_default_engine_keeps_length_words_and_clean_joins(
    engine: Engine, reference: list[Spoken]
) -> None:
    params = engine.default_params
    spoken = [await speak(engine, text, params) for text in TEXTS]
    assert sum(len(item.chunks) for item in spoken) > len(TEXTS)  # there are joins
    result = await asyncio.to_thread(compare, TEXTS, reference, spoken)
    assert result["failures"] == [], result["summary"]


async def test_a_crop_into_speech_is_caught(
    engine: Engine, reference: list[Spoken], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine._model, "vocoder_crop", True)
    monkeypatch.setattr(model_module, "CROP_LEAD_FRAMES", -3)
    monkeypatch.setattr(model_module, "CROP_TAIL_FRAMES", -6)
    params = engine.default_params
    before = engine._model.stage_times()
    wrong = [await speak(engine, text, params) for text in TEXTS]
    after = engine._model.stage_times()
    assert after.frames_decoded - before.frames_decoded < (
        after.frames_predicted - before.frames_predicted
    )
    result = await asyncio.to_thread(compare, TEXTS, reference, wrong)
    failures = " ".join(result["failures"])
    assert "duration changed" in failures
    assert "segment edge is loud" in failures
