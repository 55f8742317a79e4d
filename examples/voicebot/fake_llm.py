"""A stand-in for the LLM: a deterministic reply, streamed token by token at a realistic pace."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

LIGHTS_REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
WEATHER_REPLY = "Tomorrow it will rain in the afternoon, so take an umbrella. The evening is dry."

_TOKEN = re.compile(r"\s*[\w']+|\s*[^\w\s]+")


def reply_for(user_text: str) -> str:
    """What the bot answers: fixed replies, so tests and demos hear the same thing every time."""
    lowered = user_text.lower()
    if "light" in lowered or "home" in lowered:
        return LIGHTS_REPLY
    if "weather" in lowered or "rain" in lowered:
        return WEATHER_REPLY
    heard = " ".join(user_text.split())[:200].rstrip(".!?") or "nothing"
    return f"You said: {heard}. I am a demo voicebot, so that is all I can say for now."


def tokenize(text: str) -> list[str]:
    """LLM-like tokens: words with their leading space, punctuation on its own."""
    return list(_TOKEN.findall(text))


class FakeLLM:
    """Streams :func:`reply_for` as tokens, ``tokens_per_second`` of them."""

    def __init__(self, tokens_per_second: float = 15.0) -> None:
        self.delay = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0

    async def stream(self, user_text: str) -> AsyncIterator[str]:
        for token in tokenize(reply_for(user_text)):
            await asyncio.sleep(self.delay)
            yield token
