"""Diagnostics: what the server said about itself and what went wrong last."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.redact import async_redact_data

from .coordinator import KokoroLiveConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: KokoroLiveConfigEntry
) -> dict[str, Any]:
    """Entry settings, the server's version and speech choices, and the last errors.

    The API key, if the entry has one, is redacted.
    """
    data = entry.runtime_data
    coordinator = data.coordinator
    info = coordinator.data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), {CONF_API_KEY}),
            "options": dict(entry.options),
        },
        "server": {
            "version": info.version,
            "model": info.model,
            "sample_rate": info.sample_rate,
            "voices_count": len(info.voices),
            "voices": list(info.voices),
            "voice_names": dict(info.voice_names),
            "languages": list(info.languages),
            "default_voice": info.default_voice,
            "default_language": info.default_language,
            "default_speed": info.default_speed,
        },
        "available": coordinator.last_update_success,
        "last_update_error": (
            str(coordinator.last_exception) if coordinator.last_exception is not None else None
        ),
        "last_error": data.last_error,
    }
