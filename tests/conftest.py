"""Shared fixtures: one real engine (the embedded model) for the whole test session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from wyoming_kokoro.engine import Engine

from .helpers import TEST_SETTINGS


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine() -> AsyncIterator[Engine]:
    """The real model, loaded and warmed once."""
    loaded = await asyncio.to_thread(Engine.load, TEST_SETTINGS)
    yield loaded
    await asyncio.to_thread(loaded.close)
