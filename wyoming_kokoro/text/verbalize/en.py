# ruff: noqa: RUF001 - typographic dashes and minus signs are matched on purpose.
"""English (``en-us``, ``en-gb``): written forms to the words a person would say.

Rules run in a fixed order, each a precompiled regular expression, the most specific first, so
that a form is claimed by the rule that knows it before a general one sees its parts:
e-mail addresses and domains, IP addresses, dates, times, phone numbers, abbreviations, money,
percentages, versions, decades, quantities with units, fractions, ranges, ordinals, plain
numbers, then symbols. Numbers are spelled by ``num2words`` (:mod:`.spell`); which numbers are
years, prices or times is decided here.

What is read how (``en-us``; ``en-gb`` differs where noted):

- "$12.50" -> "twelve dollars and fifty cents"; "$1.5M" -> "one point five million dollars";
  "€1,000" -> "one thousand euros"; "100 USD" -> "one hundred US dollars".
- "3:30 PM" -> "three thirty PM"; "7:05 a.m." -> "seven oh five AM"; "14:00" -> "fourteen
  hundred"; "00:05:00" (hours, minutes and seconds) -> "five minutes", a duration, which is how
  Home Assistant writes timers.
- "Dec. 5th" -> "December fifth"; "12/05/2024" is month first in ``en-us`` ("December fifth,
  twenty twenty-four") and day first in ``en-gb`` ("the twelfth of May twenty twenty-four");
  ISO "2024-12-05" is unambiguous.
- "72°F" -> "seventy-two degrees Fahrenheit"; "1/4 tsp" -> "one quarter of a teaspoon";
  "3.5GHz" -> "three point five gigahertz" (``en-gb`` spells "metre", "litre").
- "1984" after "in", "since", a month... or at a clause end -> "nineteen eighty-four"; "the
  1990s" -> "the nineteen nineties"; "5th" -> "fifth"; "3-5" -> "three to five".
- Phone numbers digit by digit in their groups; versions "2.1.3" -> "two point one point three";
  IP addresses octet by octet with "dot".
- "Dr. Smith" -> "Doctor Smith" but "Elm Dr." -> "Elm Drive"; "St. Louis" -> "Saint Louis" but
  "Baker St." -> "Baker Street"; "e.g." -> "for example"; "etc." -> "et cetera".
- E-mail addresses and domains are read as people say them: "name at example dot com". URLs
  reach this stage as their host only (:func:`~wyoming_kokoro.text.clean_for_speech` drops the
  path and query, which no listener wants to hear), so a link is read as its site.
- Tokens where digits and letters are glued together ("MP3", "COVID-19", "x86_64") are left to
  the phonemizer, which reads them as well as any rule would.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .en_words import (
    BRITISH_SPELLING,
    CURRENCIES,
    FIXED_ABBREVIATIONS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    MULTIPLIERS,
    NUMBER_ABBREVIATIONS,
    SPOKEN_LABELS,
    STOP_KEEPING_ABBREVIATIONS,
    TLDS,
    UNITS,
)
from .spell import Speller

__all__ = ["EnglishVerbalizer"]

# --- building blocks -------------------------------------------------------------------------

#: A written number: "1,234.5", "12", "3.14", ".5" (English thousands separator: a comma).
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_VULGAR = {
    "½": (1, 2),
    "⅓": (1, 3),
    "⅔": (2, 3),
    "¼": (1, 4),
    "¾": (3, 4),
    "⅕": (1, 5),
    "⅖": (2, 5),
    "⅗": (3, 5),
    "⅘": (4, 5),
    "⅙": (1, 6),
    "⅚": (5, 6),
    "⅛": (1, 8),
    "⅜": (3, 8),
    "⅝": (5, 8),
    "⅞": (7, 8),
}
_UF = "".join(_VULGAR)
#: A quantity before a unit: a number, a range, a fraction, a mixed number.
_QTY = rf"[-−]?(?:\d+\s?[{_UF}]|[{_UF}]|\d+\s\d+/\d+|\d+/\d+|{_NUM}(?:\s?[-–]\s?{_NUM})?)"
#: Not glued to a word or a number on the left.
_LEFT = r"(?<![\w.,/\-−])"
#: Not glued to a word or a number on the right (a sentence's full stop is fine).
_RIGHT = r"(?![\w/]|[.,]\d)"
_MONTH_NAMES = "|".join(MONTHS)
_MONTH_ALT = "|".join([*MONTHS, *sorted(MONTH_ABBREVIATIONS, key=len, reverse=True)])
_MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS, 1)} | MONTH_ABBREVIATIONS
_CURRENCY_SIGN = r"US\$|[$€£¥₹₩]"
_CURRENCY_CODE = "|".join(code for code in CURRENCIES if code.isalpha())
_MULT = r"(?:thousand|million|billion|trillion|bn|[kKMB])(?!\w)"

# --- the rules' patterns ---------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_DOMAIN = re.compile(
    rf"(?<![\w@./-])((?:[A-Za-z0-9-]+\.)+(?:{TLDS}))(?![\w-]|\.[A-Za-z0-9])", re.IGNORECASE
)
_IP = re.compile(rf"{_LEFT}(\d{{1,3}}(?:\.\d{{1,3}}){{3}})(?::(\d{{1,5}}))?(?![\w]|\.\d)")
_ISO_DATE = re.compile(rf"{_LEFT}(\d{{4}})-(\d{{2}})-(\d{{2}}){_RIGHT}")
_NUMERIC_DATE = re.compile(rf"{_LEFT}(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_RIGHT}")
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_ALT})(\.?)\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\w:]|[.,]\d)"
    rf"(?:,?\s+(\d{{4}})(?![\w]|[.,]\d))?"
)
_DAY_MONTH = re.compile(
    rf"{_LEFT}(\d{{1,2}})(?:st|nd|rd|th)?\s+(of\s+)?({_MONTH_ALT})\b(\.?)"
    rf"(?:,?\s+(\d{{4}})(?![\w]|[.,]\d))?"
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_ALT})(\.?),?\s+(\d{{4}})(?![\w]|[.,]\d)")
_AM_PM = r"([AaPp])\.?\s?[Mm]\b(\.?)"
_TIME_AM_PM = re.compile(rf"(?<![\w:.])(\d{{1,2}})(?::([0-5]\d))?(?::([0-5]\d))?\s?{_AM_PM}")
_CLOCK = re.compile(r"(?<![\w:.])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\w:]|[.,]\d)")
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])(\+\d{1,3})((?:[\s.-]\(?\d{1,5}\)?){2,5})" + _RIGHT)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?(1)[\s.-])?(?:\((\d{3})\)\s?|(\d{3})([.-]))?(\d{3})[.-](\d{4})"
    r"(?![\w-]|[.,]\d)"
)
_DR_ST = re.compile(r"(?<![\w.])(Dr|St)\.(?!\w)")
_FIXED = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(k) for k in sorted(FIXED_ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])"
)
_NUMBER_ABBREVIATION = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(k) for k in sorted(NUMBER_ABBREVIATIONS, key=len, reverse=True))
    + r")\s?(?=\d)"
)
_MONEY_BEFORE = re.compile(
    rf"(?<![\w$€£¥₹₩])([-−])?({_CURRENCY_SIGN}|(?:{_CURRENCY_CODE})\s?)({_NUM})(?:\s?({_MULT}))?"
    rf"(?:\s?[-–]\s?(?:{_CURRENCY_SIGN})?({_NUM})(?:\s?({_MULT}))?)?{_RIGHT}"
)
_MONEY_AFTER = re.compile(
    rf"{_LEFT}([-−])?({_NUM})(?:\s?({_MULT}))?\s?([€£¥₹₩$]|(?:{_CURRENCY_CODE})(?!\w))"
)
_CENTS = re.compile(rf"{_LEFT}(\d+)\s?¢")
_PERCENT = re.compile(rf"{_LEFT}([-−]?{_NUM})(?:%?\s?[-–]\s?([-−]?{_NUM}))?\s?%")
_VERSION = re.compile(rf"{_LEFT}(?:[vV](\d+(?:\.\d+)+)|(\d+(?:\.\d+){{2,}}))(?![\w]|\.\d)")
_DECADE = re.compile(r"(?<![\w.])(?:(1\d\d0|20\d0)'?s|['’](\d0)s|(?<=[Tt]he )(\d0)s)(?!\w)")
_UNIT = re.compile(
    rf"{_LEFT}({_QTY})\s?("
    + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
    + r")(?![\w/²])"
)
_APPROX = re.compile(r"[~≈]\s?(?=[\d$€£¥.])")
_DIMENSION = re.compile(r"(?<=\d)x(?=\d)")
_MULTIPLY = re.compile(r"(?<=\d)\s?[*×]\s?(?=\d)")
_TIMES = re.compile(rf"{_LEFT}({_NUM})x(?!\w)")
_MINUS = re.compile(r"(?<=\d)\s[-−]\s(?=\d)")
_FRACTION = re.compile(
    rf"(?<![\w./-])(?:(\d+)(?:\s(?=\d+/)|\s?(?=[{_UF}])))?(?:(\d+)/(\d+)|([{_UF}])){_RIGHT}"
)
_RANGE = re.compile(rf"(?<![\w.,/:\-−])({_NUM})(?:[-–]|\s–\s)({_NUM})(?![\w/:-]|[.,]\d)")
_ORDINAL = re.compile(rf"{_LEFT}(\d{{1,3}}(?:,\d{{3}})+|\d+)(st|nd|rd|th)(?!\w)")
_SCALED = re.compile(rf"{_LEFT}({_NUM})(k|M|B|bn)(?!\w)")
_NUMBER = re.compile(rf"{_LEFT}([-−](?=[\d.]))?({_NUM})(?![\w]|[.,]\d)")
_MUSIC_SHARP = re.compile(r"\b([A-G])#(?!\w)")
_HASHTAG = re.compile(r"#(?=[A-Za-z])")
_SLASH_WORDS = re.compile(r"(?<=[a-z])/(?=[a-z])")
_SYMBOLS = {
    "&": " and ",
    "@": " at ",
    "+": " plus ",
    "=": " equals ",
    "%": " percent ",
    "×": " times ",
    "÷": " divided by ",
    "±": " plus or minus ",
    "≤": " less than or equal to ",
    "≥": " greater than or equal to ",
    "≠": " not equal to ",
    "→": " to ",
    "°": " degrees ",
    "¢": " cents ",
}
_SYMBOL = re.compile(r"->|==|[&@+=%×÷±≤≥≠→°¢]")
_ARROW_WORDS = {"->": " to ", "==": " equals "}
_COMPARISON = re.compile(r"(?<=[\w ])\s?([<>])\s?(?=[\w ])")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:!?])")
#: Words after which a four-digit number is a year ("in 1984", "since 2020", "May 2024").
_YEAR_CUES = frozenset(
    {
        "in", "since", "by", "from", "until", "till", "to", "of", "year", "circa", "before",
        "after", "during", "and", "or", "early", "late", "mid", "around", "through", "c",
    }
    | {month.lower() for month in MONTHS}
)  # fmt: skip
_ARTICLE_BEFORE = re.compile(r"(?:^|\W)an?\s$", re.IGNORECASE)
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")
_NEXT_START = re.compile(r"\s*(\S?)")

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


class EnglishVerbalizer:
    """Callable: English text in, the same text with written forms spelled out."""

    def __init__(self, british: bool) -> None:
        self._british = british
        self._spell = Speller("en", and_joiner=british)
        self._units = {
            symbol: (self._british_spelling(one), self._british_spelling(many))
            for symbol, (one, many) in UNITS.items()
        }
        self._rules: list[_Rule] = [
            (_EMAIL, self._email),
            (_DOMAIN, lambda m: self._domain(m.group(1))),
            (_IP, self._ip),
            (_ISO_DATE, self._iso_date),
            (_NUMERIC_DATE, self._numeric_date),
            (_MONTH_DAY, self._month_day),
            (_DAY_MONTH, self._day_month),
            (_MONTH_YEAR, self._month_year),
            (_TIME_AM_PM, self._time_am_pm),
            (_CLOCK, self._clock),
            (_PHONE_INTERNATIONAL, self._phone_international),
            (_PHONE, self._phone),
            (_DR_ST, self._dr_st),
            (_FIXED, self._fixed),
            (_NUMBER_ABBREVIATION, lambda m: NUMBER_ABBREVIATIONS[m.group(1)] + " "),
            (_APPROX, lambda m: "about "),
            (_MONEY_BEFORE, self._money_before),
            (_MONEY_AFTER, self._money_after),
            (_CENTS, lambda m: self._count(int(m.group(1)), "cent", "cents")),
            (_PERCENT, self._percent),
            (_VERSION, self._version),
            (_DECADE, self._decade),
            (_UNIT, self._unit),
            (_DIMENSION, lambda m: " by "),
            (_MULTIPLY, lambda m: " times "),
            (_TIMES, lambda m: self._number(m.group(1)) + " times"),
            (_MINUS, lambda m: " minus "),
            (_FRACTION, self._fraction),
            (_RANGE, self._range),
            (_ORDINAL, lambda m: self._spell.ordinal(int(m.group(1).replace(",", "")))),
            (_SCALED, lambda m: f"{self._number(m.group(1))} {MULTIPLIERS[m.group(2)]}"),
            (_NUMBER, self._plain_number),
            (_MUSIC_SHARP, lambda m: f"{m.group(1)} sharp"),
            (_HASHTAG, lambda m: "hashtag "),
            (_SLASH_WORDS, lambda m: " or "),
            (_SYMBOL, lambda m: _ARROW_WORDS.get(m.group(0)) or _SYMBOLS[m.group(0)]),
            (_COMPARISON, lambda m: " less than " if m.group(1) == "<" else " greater than "),
        ]

    def __call__(self, text: str) -> str:
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        text = _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", text))
        return text.strip()

    # --- spelling helpers ------------------------------------------------------------------

    def _british_spelling(self, words: str) -> str:
        if not self._british:
            return words
        for american, british in BRITISH_SPELLING.items():
            words = words.replace(american, british)
        return words

    def _number(self, written: str) -> str:
        """A written number ("1,234.5", "-3", "007") as words."""
        text = written.replace(",", "")
        sign = ""
        if text[:1] in "-−":
            sign, text = "minus ", text[1:]
        return sign + self._spell.number(text, "point")

    def _count(self, value: int, one: str, many: str) -> str:
        return f"{self._spell.cardinal(value)} {one if value == 1 else many}"

    def _year(self, value: int) -> str:
        return self._spell.year(value)

    def _date(self, month: int, day: int | None, year: str | None) -> str | None:
        """A date as said in this locale, or None when it is not a valid date."""
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            return None
        name = MONTHS[month - 1]
        year_words = ""
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            year_words = self._year(full)
        if day is None:
            return f"{name} {year_words}".strip()
        ordinal = self._spell.ordinal(day)
        if self._british:
            spoken = f"the {ordinal} of {name}"
            return f"{spoken}, {year_words}" if year_words else spoken
        spoken = f"{name} {ordinal}"
        return f"{spoken}, {year_words}" if year_words else spoken

    def _minutes(self, hour: int, minute: int) -> str:
        words = self._spell.cardinal(hour)
        if minute == 0:
            return words
        if minute < 10:
            return f"{words} oh {self._spell.cardinal(minute)}"
        return f"{words} {self._spell.cardinal(minute)}"

    # --- rules -----------------------------------------------------------------------------

    def _email(self, match: re.Match[str]) -> str:
        local = re.sub(
            r"[._+-]",
            lambda m: {".": " dot ", "_": " underscore ", "+": " plus ", "-": " dash "}[m[0]],
            match.group(1),
        )
        return f"{local} at {self._domain(match.group(2))}"

    def _domain(self, domain: str) -> str:
        labels = domain.split(".")
        spoken = [SPOKEN_LABELS.get(label.lower(), label) for label in labels]
        return " dot ".join(label.replace("-", " dash ") for label in spoken)

    def _ip(self, match: re.Match[str]) -> str:
        octets = match.group(1).split(".")
        if any(int(octet) > 255 for octet in octets):
            return match.group(0)
        spoken = " dot ".join(self._spell.cardinal(int(octet)) for octet in octets)
        if match.group(2):
            spoken += f" port {self._spell.cardinal(int(match.group(2)))}"
        return spoken

    def _iso_date(self, match: re.Match[str]) -> str:
        year, month, day = match.groups()
        return self._date(int(month), int(day), year) or match.group(0)

    def _numeric_date(self, match: re.Match[str]) -> str:
        first, separator, second, year = match.groups()
        if separator != "/" and len(year) == 2:
            return match.group(0)  # "1.2.24" is a version, "3-4-24" nothing certain
        day_first = self._british or separator == "."  # "05.12.2024" is European everywhere
        month, day = (int(second), int(first)) if day_first else (int(first), int(second))
        if month > 12 >= day:  # written in the other order: 25/12/2024 in en-us
            month, day = day, month
        return self._date(month, day, year) or match.group(0)

    def _month_day(self, match: re.Match[str]) -> str:
        name, _, day, year = match.groups()
        spoken = self._date(_MONTH_NUMBER[name], int(day), year)
        return spoken or match.group(0)

    def _day_month(self, match: re.Match[str]) -> str:
        day, of, name, stop, year = match.groups()
        spoken = self._date(_MONTH_NUMBER[name], int(day), year)
        if spoken is None:
            return match.group(0)
        if of or self._british:  # "the 4th of July" is said as written
            spoken = f"{self._spell.ordinal(int(day))} of {MONTHS[_MONTH_NUMBER[name] - 1]}"
            if not match.string[: match.start()].lower().endswith("the "):
                spoken = "the " + spoken
            if year:
                spoken += ", " + self._year(int(year))
        return spoken + (_kept_stop(match) if stop and year is None else "")

    def _month_year(self, match: re.Match[str]) -> str:
        name, _, year = match.groups()
        return self._date(_MONTH_NUMBER[name], None, year) or match.group(0)

    def _time_am_pm(self, match: re.Match[str]) -> str:
        hour_text, minute, second, half, stop = match.groups()
        hour = int(hour_text)
        if not 1 <= hour <= 12 and not (hour == 0 and minute):
            return match.group(0)
        spoken = self._minutes(hour or 12, int(minute or 0))
        if second and int(second):
            spoken += f" and {self._count(int(second), 'second', 'seconds')}"
        spoken += " AM" if half in "Aa" else " PM"
        return spoken + (_kept_stop(match) if stop else "")

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3)) if match.group(3) else None
        if hour > 23:
            return match.group(0)
        if second is not None and hour <= 12:  # "00:05:00": a duration, as timers are written
            parts = [
                self._count(value, one, many)
                for value, one, many in (
                    (hour, "hour", "hours"),
                    (minute, "minute", "minutes"),
                    (second, "second", "seconds"),
                )
                if value
            ]
            if not parts:
                return "zero seconds"
            return " and ".join([" ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
        if hour == 0 and minute == 0:
            spoken = "midnight"
        elif minute == 0:
            spoken = f"{self._spell.cardinal(hour)} " + ("o'clock" if hour <= 12 else "hundred")
        else:
            spoken = self._minutes(hour, minute)
        if second:
            spoken += f" and {self._count(second, 'second', 'seconds')}"
        return spoken

    def _phone_international(self, match: re.Match[str]) -> str:
        groups = re.findall(r"\d+", match.group(2))
        if sum(len(group) for group in groups) < 6:
            return match.group(0)
        code = self._spell.cardinal(int(match.group(1)[1:]))
        return ", ".join([f"plus {code}", *(self._spell.digits(group) for group in groups)])

    def _phone(self, match: re.Match[str]) -> str:
        country, area_parens, area, _, exchange, line = match.groups()
        groups = [group for group in (area_parens or area, exchange, line) if group]
        spoken = ", ".join(self._spell.digits(group) for group in groups)
        return f"one, {spoken}" if country else spoken

    def _dr_st(self, match: re.Match[str]) -> str:
        """ "Dr. Smith" and "St. Louis" (a title before a name) versus "Elm Dr." and "Baker St."."""
        text = match.string
        before = text[: match.start()].split()
        after = _NEXT_START.match(text, match.end())
        name_follows = bool(after and after.group(1)[:1].isupper())
        # A capitalized word just before is a street's name, unless it starts the text
        # ("Visit St. Louis") or ends a clause ("Elm Dr., St. Louis").
        street_name = len(before) >= 2 and before[-1][:1].isupper() and before[-1][-1].isalnum()
        numbered = street_name and before[-2][:1].isdigit()
        if match.group(1) == "St":
            is_title = name_follows and not street_name
        else:
            is_title = name_follows and not numbered
        if match.group(1) == "Dr":
            if is_title or (before and not before[-1][:1].isupper()):  # "Dr. Smith", "the Dr."
                return "Doctor"
            return "Drive" + _kept_stop(match)
        if is_title:
            return "Saint"
        return "Street" + _kept_stop(match)

    def _fixed(self, match: re.Match[str]) -> str:
        written = match.group(1)
        spoken = FIXED_ABBREVIATIONS[written]
        if written in STOP_KEEPING_ABBREVIATIONS:
            spoken += _kept_stop(match)
        return spoken

    def _money_before(self, match: re.Match[str]) -> str:
        sign, currency, amount, scale, upper, upper_scale = match.groups()
        return self._money(
            currency.strip(),
            amount,
            sign=sign,
            scale=scale,
            upper=upper,
            upper_scale=upper_scale,
            attributive=_after_article(match),
        )

    def _money_after(self, match: re.Match[str]) -> str:
        sign, amount, scale, currency = match.groups()
        return self._money(
            currency, amount, sign=sign, scale=scale, attributive=_after_article(match)
        )

    def _money(
        self,
        currency: str,
        amount: str,
        *,
        sign: str | None,
        scale: str | None,
        upper: str | None = None,
        upper_scale: str | None = None,
        attributive: bool = False,
    ) -> str:
        one, many, minor_one, minor_many = CURRENCIES[currency]
        if attributive:  # "a $5k budget": a five thousand dollar budget
            many = one
        prefix = "minus " if sign else ""
        if upper is not None:
            low = self._scaled(amount, scale)
            return f"{prefix}{low} to {self._scaled(upper, upper_scale)} {many}"
        if scale is not None:
            return f"{prefix}{self._scaled(amount, scale)} {many}"
        whole, _, fraction = amount.replace(",", "").partition(".")
        if fraction and (len(fraction) != 2 or not minor_one):
            return f"{prefix}{self._number(amount)} {many}"
        units = int(whole or "0")
        cents = int(fraction or "0")
        parts = []
        if units or not cents:
            parts.append(self._count(units, one, many))
        if cents:
            parts.append(self._count(cents, minor_one, minor_many))
        return prefix + " and ".join(parts)

    def _scaled(self, amount: str, scale: str | None) -> str:
        words = self._number(amount)
        return f"{words} {MULTIPLIERS[scale]}" if scale else words

    def _percent(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        if high is not None:
            return f"{self._number(low)} to {self._number(high)} percent"
        return f"{self._number(low)} percent"

    def _version(self, match: re.Match[str]) -> str:
        prefixed, bare = match.groups()
        parts = (prefixed or bare).split(".")
        spoken = " point ".join(self._spell.cardinal(int(part)) for part in parts)
        return f"version {spoken}" if prefixed else spoken

    def _decade(self, match: re.Match[str]) -> str:
        full, short, after_the = match.groups()
        words = self._year(int(full)) if full else self._spell.cardinal(int(short or after_the))
        if words == "zero":
            return match.group(0)
        head, _, last = words.rpartition(" ")
        plural = last[:-1] + "ies" if last.endswith("y") else last + "s"
        return f"{head} {plural}".strip()

    def _quantity(self, written: str) -> tuple[str, str]:
        """A quantity as words, and how a unit after it agrees: "one", "fraction" or "many"."""
        text = written.strip()
        sign = ""
        if text[:1] in "-−":
            sign, text = "minus ", text[1:].strip()
        vulgar = text[-1] if text[-1] in _VULGAR else None
        if vulgar or "/" in text:
            if vulgar:
                whole_text = text[:-1].strip()
                numerator, denominator = _VULGAR[vulgar]
            else:
                whole_text, _, fraction = text.rpartition(" ")
                top, _, bottom = fraction.partition("/")
                numerator, denominator = int(top), int(bottom)
            whole = int(whole_text) if whole_text else 0
            if denominator == 0:
                return sign + self._number(text.replace("/", " ")), "many"
            fraction_words = self._fraction_words(numerator, denominator, bool(whole))
            if whole:
                return f"{sign}{self._spell.cardinal(whole)} and {fraction_words}", "many"
            return sign + fraction_words, "fraction" if numerator < denominator else "many"
        separator = "–" if "–" in text else "-" if "-" in text else ""
        if separator:
            first, _, second = text.partition(separator)
            words = f"{self._number(first.strip())} to {self._number(second.strip())}"
            return sign + words, "many"
        is_one = text.replace(",", "") == "1"
        return sign + self._number(text), "one" if is_one else "many"

    def _fraction_words(self, numerator: int, denominator: int, after_whole: bool) -> str:
        if denominator == 2:
            if numerator == 1:
                return "a half" if after_whole else "one half"
            name_one, name_many = "half", "halves"
        elif denominator == 4:
            name_one, name_many = "quarter", "quarters"
        else:
            name_one = self._spell.ordinal(denominator)
            name_many = name_one + "s"
        if numerator == 1 and after_whole:
            return f"a {name_one}"
        return self._count(numerator, name_one, name_many)

    def _unit(self, match: re.Match[str]) -> str:
        quantity, agreement = self._quantity(match.group(1))
        one, many = self._units[match.group(2)]
        if _after_article(match):  # "a 100 W bulb": a one hundred watt bulb
            return f"{quantity} {one}"
        if agreement == "fraction":
            article = "an" if one[:1] in "aeiou" or one.startswith("hour") else "a"
            return f"{quantity} of {article} {one}"
        return f"{quantity} {one if agreement == 'one' else many}"

    def _fraction(self, match: re.Match[str]) -> str:
        whole, top, bottom, vulgar = match.groups()
        if vulgar is None:
            if (top, bottom) == ("24", "7"):
                return "twenty-four seven"
            if top == bottom == "50":
                return "fifty-fifty"
            numerator, denominator = int(top), int(bottom)
            if not 2 <= denominator <= 16 and denominator != 100:
                spoken = (
                    f"{self._spell.cardinal(numerator)} slash {self._spell.cardinal(denominator)}"
                )
                return f"{self._spell.cardinal(int(whole))} {spoken}" if whole else spoken
        else:
            numerator, denominator = _VULGAR[vulgar]
        words = self._fraction_words(numerator, denominator, bool(whole))
        return f"{self._spell.cardinal(int(whole))} and {words}" if whole else words

    def _range(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        if _is_year(low) and (_is_year(high) or (len(high) == 2 and high.isdigit())):
            return f"{self._year(int(low))} to {self._year(int(high))}"  # "2023-24"
        return f"{self._number(low)} to {self._number(high)}"

    def _plain_number(self, match: re.Match[str]) -> str:
        sign, written = match.groups()
        if sign is None and _is_year(written) and _reads_as_year(match):
            return self._year(int(written))
        return self._number((sign or "") + written)


def _is_year(written: str) -> bool:
    return len(written) == 4 and written.isdigit() and 1000 <= int(written) <= 2099


def _reads_as_year(match: re.Match[str]) -> bool:
    """A four-digit number is a year after a cue word, at the start, or before punctuation."""
    before = match.string[: match.start()]
    previous = _PREVIOUS_WORD.search(before)
    if previous is None or previous.group(1).lower() in _YEAR_CUES:
        return True
    if before.rstrip().endswith((",", "(")):
        return True
    after = _NEXT_START.match(match.string, match.end())
    return not (after and after.group(1)[:1].isalnum())


def _after_article(match: re.Match[str]) -> bool:
    """Whether the match follows "a" or "an": a quantity used as an adjective, unit singular."""
    return bool(_ARTICLE_BEFORE.search(match.string[max(0, match.start() - 5) : match.start()]))


def _kept_stop(match: re.Match[str]) -> str:
    """The full stop an abbreviation shared with its sentence: kept at the end of the text or
    before a capital ("... on Baker St. Then"), where the sentence ends too."""
    after = _NEXT_START.match(match.string, match.end())
    following = after.group(1) if after else ""
    return "." if not following or following.isupper() or following in "\"'”’)" else ""
