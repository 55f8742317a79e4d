# ruff: noqa: RUF001 - typographic dashes and minus signs are matched on purpose.
"""Hindi (``hi``): written forms to the words a person would say.

- "₹1,250.50" -> "एक हज़ार दो सौ पचास रुपये पचास पैसे"; "$5", "100 USD" in their currency.
- "1,00,000" (lakh grouping) and "100,000" -> "एक लाख"; "21.5" -> "इक्कीस दशमलव पाँच".
- "3:30" -> "साढ़े तीन बजे", "3:15" -> "सवा तीन बजे", "3:45" -> "पौने चार बजे", "3:20" -> "तीन
  बजकर बीस मिनट", "15:00" -> "पंद्रह बजे"; "00:05:00" (Home Assistant's
  timers) -> "पाँच मिनट".
- "05/12/2024", "2024-12-05" -> "पाँच दिसंबर दो हज़ार चौबीस" (day first); a year after a
  month as years are said ("उन्नीस सौ चौरासी").
- "5वाँ" -> "पाँचवाँ"; "45%" -> "पैंतालीस प्रतिशत"; "21.5 °C" -> "इक्कीस दशमलव पाँच डिग्री
  सेल्सियस"; "3-5" -> "तीन से पाँच"; phone numbers digit by digit in their groups.
- Devanagari digits (२०२४) are read like the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import hi_numbers as spell

__all__ = ["HindiVerbalizer"]

_MONTHS = (
    "जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर",
    "नवंबर", "दिसंबर",
)  # fmt: skip
_MONTH_SPELLINGS = "|".join([*_MONTHS, "फरवरी", "सितम्बर", "अक्तूबर", "नवम्बर", "दिसम्बर"])
#: sign or code -> (one, many, hundredth); Hindi nouns hardly change with the number.
_CURRENCIES = {
    "₹": ("रुपया", "रुपये", "पैसे"),
    "Rs.": ("रुपया", "रुपये", "पैसे"),
    "Rs": ("रुपया", "रुपये", "पैसे"),
    "रु.": ("रुपया", "रुपये", "पैसे"),
    "INR": ("रुपया", "रुपये", "पैसे"),
    "$": ("डॉलर", "डॉलर", "सेंट"),
    "USD": ("डॉलर", "डॉलर", "सेंट"),
    "€": ("यूरो", "यूरो", "सेंट"),
    "EUR": ("यूरो", "यूरो", "सेंट"),
    "£": ("पाउंड", "पाउंड", "पेंस"),
    "GBP": ("पाउंड", "पाउंड", "पेंस"),
}
_UNITS = {
    "°C": "डिग्री सेल्सियस", "℃": "डिग्री सेल्सियस", "°F": "डिग्री फ़ारेनहाइट", "°": "डिग्री",
    "km/h": "किलोमीटर प्रति घंटा", "km": "किलोमीटर", "m": "मीटर", "cm": "सेंटीमीटर",
    "mm": "मिलीमीटर", "kg": "किलो", "g": "ग्राम", "mg": "मिलीग्राम", "l": "लीटर", "L": "लीटर",
    "ml": "मिलीलीटर", "min": "मिनट", "h": "घंटे", "s": "सेकंड", "W": "वाट", "kW": "किलोवाट",
    "kWh": "किलोवाट घंटा", "V": "वोल्ट", "GHz": "गीगाहर्ट्ज़", "MB": "मेगाबाइट", "GB": "गीगाबाइट",
    "TB": "टेराबाइट", "hPa": "हेक्टोपास्कल", "lx": "लक्स", "ppm": "पीपीएम", "dB": "डेसिबल",
}  # fmt: skip
_ORDINAL_ENDINGS = {
    "वाँ": "ा", "वां": "ा", "वीं": "ी", "वी": "ी", "वें": "े", "वे": "े", "ला": "ा", "ली": "ी",
    "ले": "े", "रा": "ा", "री": "ी", "रे": "े", "था": "ा", "थी": "ी", "थे": "े", "ठा": "ा",
    "ठी": "ी", "ठे": "े",
}  # fmt: skip

_LEFT = r"(?<![\w.,/\-−])"
_RIGHT = r"(?![\w/]|[.,]\d)"
#: "1,00,000" (Indian grouping), "100,000", "21.5", "12".
_NUM = r"(?:\d{1,3}(?:,\d{2})*,\d{3}(?:\.\d+)?|\d+(?:\.\d+)?)"
_DASH = r"[-–]"
_SIGNS = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_SPACES = re.compile(r"[ \t]{2,}")

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


class HindiVerbalizer:
    """Callable: Hindi text in, the same text with written forms spelled out."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = [
            (re.compile(rf"{_LEFT}(\d{{4}})-(\d{{2}})-(\d{{2}}){_RIGHT}"), self._iso_date),
            (
                re.compile(rf"{_LEFT}(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}){_RIGHT}"),
                self._numeric_date,
            ),
            (
                re.compile(r"(?<!\S)(1[1-9]\d\d|20\d\d)(?![\w/]|[.,]\d)"),
                self._year_after_month,
            ),
            (
                re.compile(
                    r"(?<![\w:.,])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\w:]|[.,]\d)(\s*बजे)?"
                ),
                self._clock,
            ),
            (
                re.compile(r"(?<![\w+])(\+\d{1,3}[\s-]?)?(\d{3,5}(?:[\s-]\d{3,5}){1,3})" + _RIGHT),
                self._phone,
            ),
            (
                re.compile(
                    rf"(?<![\w$€£₹])({_SIGNS})\s?({_NUM})(?:\s?{_DASH}\s?({_NUM}))?{_RIGHT}"
                ),
                self._money_before,
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?(₹|\$|€|£|(?:INR|USD|EUR|GBP)(?!\w))"),
                lambda m: self._money(m.group(2), m.group(1), None),
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})(?:\s?%?\s?{_DASH}\s?({_NUM}))?\s?%"),
                self._percent,
            ),
            (
                re.compile(
                    rf"{_LEFT}(\d+)\s?("
                    + "|".join(sorted(_ORDINAL_ENDINGS, key=len, reverse=True))
                    + r")(?!\w)"
                ),
                lambda m: spell.ordinal(int(m.group(1)), _ORDINAL_ENDINGS[m.group(2)]),
            ),
            (
                re.compile(
                    rf"{_LEFT}([-−]?{_NUM})(?:\s?{_DASH}\s?([-−]?{_NUM}))?\s?({_UNIT_ALT})"
                    r"(?![\w/²³])"
                ),
                self._unit,
            ),
            (
                re.compile(rf"(?<![\w.,/:\-−])({_NUM})(?:{_DASH}|\s–\s)({_NUM})(?![\w/:-]|[.,]\d)"),
                lambda m: f"{self._number(m.group(1))} से {self._number(m.group(2))}",
            ),
            (re.compile(rf"{_LEFT}([-−](?=\d))?({_NUM}){_RIGHT}"), self._plain),
            (re.compile(r"\s?%"), lambda m: " प्रतिशत"),
        ]

    def __call__(self, text: str) -> str:
        text = text.translate(_DEVANAGARI_DIGITS)
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        return _SPACES.sub(" ", text).strip()

    def _number(self, written: str) -> str:
        text = written.replace(",", "")
        sign = ""
        if text[:1] in "-−":
            sign, text = "माइनस ", text[1:]
        whole, _, fraction = text.partition(".")
        if len(whole) > 1 and whole.startswith("0"):
            spoken = spell.digits(whole)
        else:
            spoken = spell.cardinal(int(whole or "0"))
        if fraction:
            spoken += " दशमलव " + spell.digits(fraction)
        return sign + spoken

    def _date(self, day: int, month: int, year: int) -> str | None:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return f"{spell.cardinal(day)} {_MONTHS[month - 1]} {spell.year(year)}"

    def _iso_date(self, match: re.Match[str]) -> str:
        year, month, day = match.groups()
        return self._date(int(day), int(month), int(year)) or match.group(0)

    def _numeric_date(self, match: re.Match[str]) -> str:
        day, _, month, year = match.groups()
        return self._date(int(day), int(month), int(year)) or match.group(0)

    def _year_after_month(self, match: re.Match[str]) -> str:
        before = match.string[: match.start()].rstrip()
        after = match.string[match.end() :]
        if not re.search(rf"(?:{_MONTH_SPELLINGS}|सन|साल)$", before) and not after.startswith(
            (" में", " से", " तक", " के")
        ):
            return match.group(0)
        return spell.year(int(match.group(1)))

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3)) if match.group(3) else None
        if hour > 23:
            return match.group(0)
        if second is not None and hour <= 12:  # "00:05:00": a duration (Home Assistant's timers)
            parts = [
                f"{spell.cardinal(value)} {word}"
                for value, word in ((hour, "घंटे" if hour > 1 else "घंटा"), (minute, "मिनट"))
                if value
            ]
            if second or not parts:
                parts.append(f"{spell.cardinal(second)} सेकंड")
            return " ".join(parts)
        if minute == 0:
            return f"{spell.cardinal(hour)} बजे"
        if 1 <= hour <= 12 and minute in (15, 30, 45):
            return _quarter_time(hour, minute)
        return f"{spell.cardinal(hour)} बजकर {spell.cardinal(minute)} मिनट"

    def _phone(self, match: re.Match[str]) -> str:
        country, rest = match.groups()
        groups = re.findall(r"\d+", rest)
        if sum(len(group) for group in groups) < 8 or (
            not country and all(len(group) == 3 for group in groups[1:])
        ):
            return match.group(0)
        spoken = [spell.digits(group) for group in groups]
        if country:
            spoken.insert(0, "प्लस " + spell.cardinal(int(country.strip(" -+"))))
        return ", ".join(spoken)

    def _money_before(self, match: re.Match[str]) -> str:
        currency, amount, upper = match.groups()
        return self._money(currency, amount, upper)

    def _money(self, currency: str, amount: str, upper: str | None) -> str:
        one, many, minor = _CURRENCIES[currency]
        if upper is not None:
            return f"{self._number(amount)} से {self._number(upper)} {many}"
        whole, _, fraction = amount.replace(",", "").partition(".")
        if fraction and len(fraction) != 2:
            return f"{self._number(amount)} {many}"
        units, cents = int(whole or "0"), int(fraction or "0")
        parts = []
        if units or not cents:
            parts.append(f"{spell.cardinal(units)} {one if units == 1 else many}")
        if cents:
            parts.append(f"{spell.cardinal(cents)} {minor}")
        return " ".join(parts)

    def _percent(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        if high is not None:
            return f"{self._number(low)} से {self._number(high)} प्रतिशत"
        return f"{self._number(low)} प्रतिशत"

    def _unit(self, match: re.Match[str]) -> str:
        low, high, unit = match.groups()
        if high is not None:
            return f"{self._number(low)} से {self._number(high)} {_UNITS[unit]}"
        return f"{self._number(low)} {_UNITS[unit]}"

    def _plain(self, match: re.Match[str]) -> str:
        sign, written = match.groups()
        return self._number((sign or "") + written)


def _quarter_time(hour: int, minute: int) -> str:
    """Quarter hours as said in Hindi: सवा तीन (3:15), साढ़े तीन (3:30), पौने चार (3:45)."""
    if minute == 15:
        return f"सवा {spell.cardinal(hour)} बजे"
    if minute == 45:
        return f"पौने {spell.cardinal(hour % 12 + 1)} बजे"
    special = {1: "डेढ़", 2: "ढाई"}
    return f"{special[hour]} बजे" if hour in special else f"साढ़े {spell.cardinal(hour)} बजे"
