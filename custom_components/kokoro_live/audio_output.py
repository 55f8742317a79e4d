"""The audio Home Assistant asks for, asked of the server, so Home Assistant never converts it.

Home Assistant's ``tts`` component converts (with an ffmpeg process) whenever the audio an
entity returns is not in the ``preferred_format`` asked for (``mp3`` when nothing is asked).
The Assist pipeline and the ``tts_proxy`` URLs ask for mp3, voice satellites for WAV or FLAC at
16 kHz, media players for their own formats. The server encodes each of them as it speaks, so
the entity passes the bytes on. WAV is the exception: the server's PCM at the asked rate,
behind a header written here (data length 0: a stream), as Home Assistant's own Wyoming
integration writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_CHANNELS,
    ATTR_PREFERRED_SAMPLE_RATE,
)

#: Home Assistant's format when a request names none.
DEFAULT_FORMAT = "mp3"

#: Formats (file extensions, as Home Assistant names them) the server encodes, to its names
#: (its ``opus`` is Opus in Ogg).
SERVER_FORMATS = {
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "opus",
    "oga": "opus",
    "opus": "opus",
    "aac": "aac",
}
#: The server's raw samples, framed as WAV here.
PCM = "pcm_s16le"


@dataclass(frozen=True, slots=True)
class AudioOutput:
    """What to tell Home Assistant (``extension``) and what to ask the server (``init``)."""

    extension: str
    init: Mapping[str, Any] = field(default_factory=dict)

    @property
    def server_format(self) -> str:
        """The ``format`` the server's ``ready`` must confirm."""
        return str(self.init.get("format", PCM))

    @property
    def is_wav(self) -> bool:
        """PCM from the server, framed as WAV here."""
        return self.extension == "wav"

    def describe(self) -> str:
        """A few words for the session log: ``mp3``, ``flac 16000 Hz``, ``wav 2 channels``."""
        words = [self.extension]
        if "sample_rate" in self.init:
            words.append(f"{self.init['sample_rate']} Hz")
        if "channels" in self.init:
            words.append(f"{self.init['channels']} channel{'s' * (self.init['channels'] != 1)}")
        return " ".join(words)


def audio_output(options: Mapping[str, Any]) -> AudioOutput:
    """The output for a request's options; a format the server cannot write becomes WAV (which
    Home Assistant then converts, as it did before formats were asked of the server).

    A rate or channel count that is not a whole number raises ``ValueError``.
    """
    requested = str(options.get(ATTR_PREFERRED_FORMAT) or DEFAULT_FORMAT).lower()
    init: dict[str, Any] = {}
    for option, key in (
        (ATTR_PREFERRED_SAMPLE_RATE, "sample_rate"),
        (ATTR_PREFERRED_SAMPLE_CHANNELS, "channels"),
    ):
        if (value := options.get(option)) is not None:
            init[key] = int(value)
    if requested in SERVER_FORMATS:
        return AudioOutput(requested, {"format": SERVER_FORMATS[requested], **init})
    return AudioOutput("wav", {"format": PCM, **init} if init else {})
