# ruff: noqa: E501 - ten Hindi number words a line.
"""Hindi number words, in the Indian system (हज़ार, लाख, करोड़).

``num2words`` has no Hindi, and the one registry package that spells Hindi numbers writes many of
them in non-standard spellings (पैतालिस for पैंतालीस): the numbers below 100 are irregular in
Hindi, so they are one table here, and the larger ones follow from it.
"""

from __future__ import annotations

import functools

__all__ = ["cardinal", "digits", "ordinal", "year"]

_BELOW_100 = (
    "शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ",
    "दस", "ग्यारह", "बारह", "तेरह", "चौदह", "पंद्रह", "सोलह", "सत्रह", "अठारह", "उन्नीस",
    "बीस", "इक्कीस", "बाईस", "तेईस", "चौबीस", "पच्चीस", "छब्बीस", "सत्ताईस", "अट्ठाईस", "उनतीस",
    "तीस", "इकतीस", "बत्तीस", "तैंतीस", "चौंतीस", "पैंतीस", "छत्तीस", "सैंतीस", "अड़तीस", "उनतालीस",
    "चालीस", "इकतालीस", "बयालीस", "तैंतालीस", "चवालीस", "पैंतालीस", "छियालीस", "सैंतालीस", "अड़तालीस", "उनचास",
    "पचास", "इक्यावन", "बावन", "तिरपन", "चौवन", "पचपन", "छप्पन", "सत्तावन", "अट्ठावन", "उनसठ",
    "साठ", "इकसठ", "बासठ", "तिरसठ", "चौंसठ", "पैंसठ", "छियासठ", "सड़सठ", "अड़सठ", "उनहत्तर",
    "सत्तर", "इकहत्तर", "बहत्तर", "तिहत्तर", "चौहत्तर", "पचहत्तर", "छिहत्तर", "सतहत्तर", "अठहत्तर", "उनासी",
    "अस्सी", "इक्यासी", "बयासी", "तिरासी", "चौरासी", "पचासी", "छियासी", "सत्तासी", "अट्ठासी", "नवासी",
    "नब्बे", "इक्यानबे", "बानबे", "तिरानबे", "चौरानबे", "पंचानबे", "छियानबे", "सत्तानबे", "अट्ठानबे", "निन्यानबे",
)  # fmt: skip
_SCALES = ((10**7, "करोड़"), (10**5, "लाख"), (1000, "हज़ार"), (100, "सौ"))
#: Ordinals with their own word; the others add वाँ: पाँचवाँ.
_ORDINALS = {1: "पहला", 2: "दूसरा", 3: "तीसरा", 4: "चौथा", 6: "छठा"}


@functools.lru_cache(maxsize=4096)
def cardinal(value: int) -> str:
    """``1250`` -> "एक हज़ार दो सौ पचास"; ``1234567`` -> "बारह लाख चौंतीस हज़ार ..."."""
    if value < 0:
        return "माइनस " + cardinal(-value)
    if value < 100:
        return _BELOW_100[value]
    words = []
    for scale, name in _SCALES:
        count, value = divmod(value, scale)
        if count:
            words.append(f"{cardinal(count)} {name}")
    if value:
        words.append(_BELOW_100[value])
    return " ".join(words)


def year(value: int) -> str:
    """``1984`` -> "उन्नीस सौ चौरासी" (as years are said), ``2024`` -> "दो हज़ार चौबीस"."""
    if 1100 <= value < 2000:
        high, low = divmod(value, 100)
        return f"{cardinal(high)} सौ {cardinal(low)}" if low else f"{cardinal(high)} सौ"
    return cardinal(value)


def ordinal(value: int, ending: str = "ा") -> str:
    """``5`` -> "पाँचवाँ"; ``ending`` gives the agreement: "ा" (masc.), "ी" (fem.), "े" (obl.)."""
    if value in _ORDINALS:
        return _ORDINALS[value][:-1] + ending
    suffix = {"ा": "वाँ", "ी": "वीं", "े": "वें"}[ending]
    return cardinal(value) + suffix


def digits(text: str) -> str:
    """``"987"`` -> "नौ आठ सात"."""
    return " ".join(_BELOW_100[int(ch)] for ch in text if ch.isdigit())
