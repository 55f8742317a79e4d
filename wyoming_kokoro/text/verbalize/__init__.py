"""Speech-ready text: numbers, money, dates, times, units and symbols as words, per language.

Runs on each segment after :func:`~wyoming_kokoro.text.clean_for_speech` and before
phonemization. The segmenter decides on the original text; this stage only rewrites a segment
it is given, so segmentation stays independent of it.

Each language has its own module of rules: :mod:`.en` for ``en-us`` and ``en-gb``;
:mod:`.romance` for ``es``, ``fr-fr``, ``it`` and ``pt-br``, which write numbers alike and differ
by a word table each (:mod:`.es`, :mod:`.fr`, :mod:`.it`, :mod:`.pt_br`); :mod:`.hi` for Hindi
(number words in :mod:`.hi_numbers`), :mod:`.cmn` for Mandarin (numerals by ``cn2an``) and
:mod:`.ja` for Japanese (kanji numerals, which its phonemizer reads with their counters).
Numbers are spelled by ``num2words`` through :mod:`.spell` where it knows the language. To add a
language, write its rules as a ``str -> str`` callable and register it in ``_VERBALIZERS``; a
language without rules passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from .cmn import ChineseVerbalizer
from .en import EnglishVerbalizer
from .es import SPANISH
from .fr import FRENCH
from .hi import HindiVerbalizer
from .it import ITALIAN
from .ja import JapaneseVerbalizer
from .pt_br import PORTUGUESE
from .romance import RomanceVerbalizer

__all__ = ["verbalize"]

#: Language code (as :func:`~wyoming_kokoro.languages.normalize_language` returns it) -> rules.
_VERBALIZERS: dict[str, Callable[[str], str]] = {
    "en-us": EnglishVerbalizer(british=False),
    "en-gb": EnglishVerbalizer(british=True),
    "es": RomanceVerbalizer(SPANISH),
    "fr-fr": RomanceVerbalizer(FRENCH),
    "it": RomanceVerbalizer(ITALIAN),
    "pt-br": RomanceVerbalizer(PORTUGUESE),
    "hi": HindiVerbalizer(),
    "ja": JapaneseVerbalizer(),
    "cmn": ChineseVerbalizer(),
}


def verbalize(text: str, language: str) -> str:
    """``text`` with written forms spelled out as spoken in ``language``; else unchanged."""
    rules = _VERBALIZERS.get(language)
    return rules(text) if rules is not None else text
