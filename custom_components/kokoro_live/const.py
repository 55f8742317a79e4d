"""Constants shared by the Kokoro Live integration's modules."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "kokoro_live"

DEFAULT_PORT: Final = 8880
DEFAULT_NAME: Final = "Kokoro Live"

CONF_VOICE: Final = "voice"
CONF_LANGUAGE: Final = "language"
CONF_SPEED: Final = "speed"

#: The speech option Home Assistant passes through ``tts.speak`` ``options``.
ATTR_SPEED: Final = "speed"

MIN_SPEED: Final = 0.5
MAX_SPEED: Final = 2.0

#: How often the server's ``/voices`` is polled, so the entity notices a server
#: that went away (or came back) even while nobody speaks.
UPDATE_INTERVAL: Final = timedelta(seconds=30)

#: How soon the server is polled again after a failed poll (then after each further one):
#: a restarted server is back within seconds of answering.
RETRY_INTERVALS: Final = (
    timedelta(seconds=1),
    timedelta(seconds=2),
    timedelta(seconds=3),
)
