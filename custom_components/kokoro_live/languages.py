"""Language codes: the server's espeak codes shown the way Home Assistant spells them."""

from __future__ import annotations

#: Server codes that are not a language tag Home Assistant knows.
_SPECIAL: dict[str, str] = {"cmn": "zh-CN"}


def to_ha_language(code: str) -> str:
    """``en-us`` -> ``en-US``, ``pt-br`` -> ``pt-BR``, ``ja`` -> ``ja``, ``cmn`` -> ``zh-CN``."""
    if code in _SPECIAL:
        return _SPECIAL[code]
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def language_map(server_codes: tuple[str, ...]) -> dict[str, str]:
    """Home Assistant language -> the server's code for it, in the server's order."""
    return {to_ha_language(code): code for code in server_codes}
