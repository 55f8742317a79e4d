"""Speech-ready text: numbers, money, dates, times, units and symbols as words, per language.

Runs on each segment after :func:`~wyoming_kokoro.text.clean_for_speech` and before
phonemization. The segmenter decides on the original text; this stage only rewrites a segment
it is given, so segmentation stays independent of it.

Each language has its own module of rules (:mod:`.en` for ``en-us`` and ``en-gb``); numbers are
spelled by ``num2words`` through :mod:`.spell`, which supports most of Kokoro's languages. To add
a language, write its rules as a ``str -> str`` callable and register it in ``_VERBALIZERS``.
Languages without rules pass through unchanged: the phonemizer reads digits in its own way.
"""

from __future__ import annotations

from collections.abc import Callable

from .en import EnglishVerbalizer

__all__ = ["verbalize"]

#: Language code (as :func:`~wyoming_kokoro.languages.normalize_language` returns it) -> rules.
_VERBALIZERS: dict[str, Callable[[str], str]] = {
    "en-us": EnglishVerbalizer(british=False),
    "en-gb": EnglishVerbalizer(british=True),
}


def verbalize(text: str, language: str) -> str:
    """``text`` with written forms spelled out as spoken in ``language``; else unchanged."""
    rules = _VERBALIZERS.get(language)
    return rules(text) if rules is not None else text
