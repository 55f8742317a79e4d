"""Diagnostics: what the server said about itself and what went wrong last."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import KokoroLiveConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: KokoroLiveConfigEntry
) -> dict[str, Any]:
    """Entry settings, the server's version and speech choices, and the last errors.

    Nothing here is secret: the entry holds only an address and speech defaults.
    """
    data = entry.runtime_data
    coordinator = data.coordinator
    info = coordinator.data
    return {
        "entry": {"data": dict(entry.data), "options": dict(entry.options)},
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
