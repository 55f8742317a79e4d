"""Shared fixtures: one real engine (the embedded model) for the whole test session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine

#: What the README's run command serves: the embedded voices speaking English.
TEST_SETTINGS = Settings(
    language="en-us", live_host="127.0.0.1", live_port=0, uri="tcp://127.0.0.1:0"
)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine() -> AsyncIterator[Engine]:
    """The real model, loaded and warmed once."""
    loaded = await asyncio.to_thread(Engine.load, TEST_SETTINGS)
    yield loaded
    await asyncio.to_thread(loaded.close)
