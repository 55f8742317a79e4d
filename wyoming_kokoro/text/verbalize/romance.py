# ruff: noqa: RUF001 - typographic dashes, minus signs and ordinal indicators are matched on purpose.
"""Spanish, French, Italian and Portuguese (Brazil): one set of rules, one word table each.

The four languages write numbers alike (a decimal comma, thousands grouped by a point or a
space, the currency sign before or after the amount, a 24-hour clock, the day before the
month), so the detection is shared and each language brings a :class:`RomanceWords` table:
its words, its clock and date phrasing and how a number agrees with a feminine noun.

What is read how (Spanish shown; the other tables say it their way):

- "12,50 €" -> "doce euros con cincuenta céntimos"; "R$ 12,50", "$5", "100 USD".
- "1.234.567" -> "un millón doscientos ..."; "21,5" -> "veintiuno coma cinco"; an English
  "21.5" (no group of three digits) is read as a decimal too.
- "15:30" / "15h30" -> "quince y treinta"; "00:05:00" (Home Assistant's timers) -> "cinco
  minutos"; "3:30 p. m." -> "tres y treinta de la tarde".
- "05/12/2024", "2024-12-05" -> "cinco de diciembre de dos mil veinticuatro" (day first).
- "1.º", "2ª", "1er" (French), "3°" before a noun (Italian) -> ordinals, with their gender.
- "21,5 °C" -> "veintiuno coma cinco grados Celsius"; "45 %" -> "cuarenta y cinco por ciento";
  "3-5 km" -> "tres a cinco kilómetros"; "-3 °C" -> "menos tres grados Celsius".
- Phone numbers ("06 12 34 56 78", "+34 612 34 56 78", "(11) 98765-4321") in their groups,
  pairs as numbers, longer groups digit by digit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .spell import Speller

__all__ = ["Currency", "RomanceVerbalizer", "RomanceWords", "Unit"]


@dataclass(frozen=True)
class Unit:
    """A unit's words: singular, plural, and whether the noun is feminine."""

    one: str
    many: str
    feminine: bool = False


@dataclass(frozen=True)
class Currency:
    """A currency: the main unit and the hundredth (the hundredth may be unnamed)."""

    main: Unit
    minor: Unit | None = None


@dataclass(frozen=True)
class RomanceWords:
    """One language's words and phrasings for :class:`RomanceVerbalizer`."""

    num2words: str
    """The ``num2words`` language code."""
    decimal: str
    """The decimal comma read aloud: "coma", "virgule"."""
    minus: str
    percent: str
    range_to: str
    """Between the ends of a range: "3-5" -> "tres a cinco"."""
    and_word: str
    """Joins the parts of a duration and of an amount: "cinco minutos y diez segundos"."""
    plus: str
    hour: Unit
    minute: Unit
    second: Unit
    months: tuple[str, ...]
    clock: str
    """A time with minutes; ``{h}`` the hour (feminine number), ``{hw}`` the word for hours
    agreeing with it, ``{m}`` the minutes."""
    clock_whole: str
    """A time on the hour: ``{h}``, ``{hw}``."""
    date: str
    """``{d}`` the day, ``{m}`` the month's name, ``{y}`` the year (a cardinal)."""
    date_no_year: str
    first_day: str
    """The first of a month: "primero", "premier"; other days are cardinals."""
    money: str
    """An amount with its hundredths: ``{main}`` then ``{minor}``."""
    currencies: dict[str, Currency]
    units: dict[str, Unit]
    ordinal_suffixes: dict[str, str]
    """Written ordinal endings -> "m" (masculine), "f" (feminine) or "a" (apocope: "1er piso")."""
    feminine: tuple[tuple[str, str], ...]
    """Rewrites of a cardinal's words before a feminine noun ("uno" -> "una")."""
    before_noun: tuple[tuple[str, str], ...] = ()
    """Rewrites of a masculine cardinal before its noun ("veintiuno" -> "veintiún")."""
    abbreviations: dict[str, str] = field(default_factory=dict)
    midday: str | None = None
    midnight: str | None = None
    am_pm: tuple[str, str, str] | None = None
    """Words after a 12-hour time: (morning, afternoon, night)."""
    hour_marks: str = ""
    """Letters that write a time as "15h30" ("h" in French and Portuguese)."""
    degree_ordinal: bool = False
    """Whether "3°" before a word is an ordinal (Italian), not a temperature."""
    thousands: str = "."
    """Thousands separators besides the point: French groups by spaces."""
    and_symbol: str = ""
    feminine_nouns: frozenset[str] = frozenset()
    """Common feminine nouns after a number ("2 horas" -> "duas horas")."""


# --- shared patterns -----------------------------------------------------------------------

_LEFT = r"(?<![\w.,/\-−])"
_RIGHT = r"(?![\w/]|[.,]\d)"
_CURRENCY_SIGNS = ("R$", "US$", "$", "€", "£", "¥", "₹")
_NOT_GLUED = r"(?![\w/²³])"
_DASH = r"[-–]"
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_STOP = re.compile(r" +(?=[,.])")


def _number_pattern(thousands: str) -> str:
    """A written number: "1.234.567,89", "21,5", "21.5", "12"; groups by ``thousands``."""
    groups = "".join(re.escape(c) for c in thousands)
    return rf"(?:\d{{1,3}}(?:[{groups}]\d{{3}})+(?:,\d+)?|\d+(?:[,.]\d+)?)"


def _compile_feminine(rules: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), replacement) for pattern, replacement in rules]


class RomanceVerbalizer:
    """Callable: text in one of the Romance languages, written forms spelled out."""

    def __init__(self, words: RomanceWords) -> None:
        self._w = words
        self._spell = Speller(words.num2words, and_joiner=True)
        self._feminine = _compile_feminine(words.feminine)
        self._before_noun = _compile_feminine(words.before_noun)
        num = _number_pattern(words.thousands)
        groups = "".join(re.escape(c) for c in words.thousands)
        self._grouped = re.compile(rf"\d{{1,3}}(?:[{groups}]\d{{3}})+(?:,\d+)?")
        self._separators = re.compile(rf"[{groups}]")
        self._num_re = re.compile(num)
        months = "|".join(words.months)
        month_number = {name: i for i, name in enumerate(words.months, 1)}
        self._month_number = month_number | {k.capitalize(): v for k, v in month_number.items()}
        months_any = months + "|" + "|".join(m.capitalize() for m in words.months)
        codes = "|".join(c for c in words.currencies if c.isalpha())
        signs = "|".join(re.escape(c) for c in words.currencies if not c.isalpha())
        units = "|".join(re.escape(u) for u in sorted(words.units, key=len, reverse=True))
        suffixes = "|".join(sorted(words.ordinal_suffixes, key=len, reverse=True))
        hour_marks = words.hour_marks
        first_suffixes = (
            "|".join(re.escape(k) for k, kind in words.ordinal_suffixes.items() if kind != "f")
            or "º"
        )
        abbreviations = "|".join(
            re.escape(a) for a in sorted(words.abbreviations, key=len, reverse=True)
        )
        rules: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
            (re.compile(rf"{_LEFT}(\d{{4}})-(\d{{2}})-(\d{{2}}){_RIGHT}"), self._iso_date),
            (
                re.compile(rf"{_LEFT}(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}){_RIGHT}"),
                self._numeric_date,
            ),
            (
                re.compile(
                    rf"{_LEFT}1(?:\.?(?:{first_suffixes}))?(?=\s+(?:de\s+)?(?:{months_any})\b)"
                ),
                lambda m: words.first_day,
            ),
            (
                re.compile(
                    r"(?<![\w:.])(\d{1,2})(?::([0-5]\d))?\s?([ap])\.?\s?m\b(\.?)", re.IGNORECASE
                ),
                self._am_pm,
            ),
            (
                re.compile(r"(?<![\w:.,])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\w:]|[.,]\d)"),
                self._clock,
            ),
        ]
        if hour_marks:
            rules.append(
                (
                    re.compile(rf"(?<![\w:.,])(\d{{1,2}})[{hour_marks}]([0-5]\d)?(?![\w])"),
                    self._hour_mark,
                )
            )
        rules += [
            (
                re.compile(
                    r"(?<![\w+])(\+\d{1,3}[\s.-]?)?((?:\(\d{2,3}\)\s?|\d{1,5})(?:[\s.-]\d{2,5}){1,5})"
                    r"(?![\w]|[.,]\d)"
                ),
                self._phone,
            ),
        ]
        if abbreviations:
            rules.append(
                (
                    re.compile(rf"(?<![\w.])({abbreviations})(?!\w)"),
                    lambda m: words.abbreviations[m.group(1)],
                )
            )
        rules += [
            (
                re.compile(
                    rf"(?<![\w$€£¥₹])([-−])?({signs}|(?:{codes})\s)\s?({num})"
                    rf"(?:\s?{_DASH}\s?(?:{signs})?\s?({num}))?{_RIGHT}"
                ),
                self._money_before,
            ),
            (
                re.compile(
                    rf"{_LEFT}([-−])?({num})(?:\s?{_DASH}\s?({num}))?\s?({signs}|(?:{codes})(?!\w))"
                ),
                self._money_after,
            ),
            (
                re.compile(rf"{_LEFT}([-−]?{num})(?:\s?%?\s?{_DASH}\s?([-−]?{num}))?\s?%"),
                self._percent,
            ),
        ]
        if suffixes:
            rules.append(
                (re.compile(rf"{_LEFT}(\d+)\.?({suffixes})(?!\w)"), self._ordinal),
            )
        if words.degree_ordinal:
            rules.append(
                (re.compile(rf"{_LEFT}(\d+)°(?=\s+[^\W\dCF])"), self._degree_ordinal),
            )
        rules += [
            (
                re.compile(
                    rf"{_LEFT}([-−]?{num})(?:\s?{_DASH}\s?([-−]?{num}))?\s?({units}){_NOT_GLUED}"
                ),
                self._unit,
            ),
            (re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)"), lambda m: " x "),
            (
                re.compile(rf"(?<![\w.,/:\-−])({num})(?:{_DASH}|\s–\s)({num})(?![\w/:-]|[.,]\d)"),
                self._range,
            ),
            (re.compile(rf"{_LEFT}([-−](?=\d))?({num}){_RIGHT}(\s*[^\W\d]\w*)?"), self._plain),
            (re.compile(r"\s?%"), lambda m: " " + words.percent),
            (re.compile(r"(?<=\s)&(?=\s)"), lambda m: words.and_symbol or "&"),
            (re.compile(r"(?<=\s)\+(?=\s)"), lambda m: words.plus),
        ]
        self._rules = rules

    def __call__(self, text: str) -> str:
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        text = _SPACE_BEFORE_STOP.sub("", _SPACES.sub(" ", text))
        return text.strip()

    # --- spelling helpers ------------------------------------------------------------------

    def number(self, written: str) -> str:
        """A written number ("1.234,5", "21.5", "-3", "007") as words."""
        text = written
        sign = ""
        if text[:1] in "-−":
            sign, text = self._w.minus + " ", text[1:]
        text = self._ungrouped(text)
        whole, _, fraction = text.replace(",", ".").partition(".")
        if len(whole) > 1 and whole.startswith("0"):
            spoken = self._spell.digits(whole)
        else:
            spoken = self._spell.cardinal(int(whole)) if whole else self._spell.cardinal(0)
        if fraction:
            if fraction.startswith("0") or len(fraction) > 2:
                tail = self._spell.digits(fraction)
            else:
                tail = self._spell.cardinal(int(fraction))
            spoken = f"{spoken} {self._w.decimal} {tail}"
        return sign + spoken

    def _ungrouped(self, written: str) -> str:
        """ "1.234.567,5" -> "1234567,5": thousands separators out (a lone "21.5" stays)."""
        if self._grouped.fullmatch(written):
            return self._separators.sub("", written)
        return written

    def _gendered(self, words: str, unit: Unit) -> str:
        rules = self._feminine if unit.feminine else self._before_noun
        for pattern, replacement in rules:
            words = pattern.sub(replacement, words)
        return words

    def _count(self, value: int, unit: Unit) -> str:
        words = self._gendered(self._spell.cardinal(value), unit)
        return f"{words} {unit.one if value == 1 else unit.many}"

    def _quantity(self, written: str, unit: Unit) -> str:
        words = self.number(written)
        if re.fullmatch(r"[-−]?\d+", written.replace(".", "").replace(" ", "")):
            words = self._gendered(words, unit)
        one = written.lstrip("-−") in ("1",)
        return f"{words} {unit.one if one else unit.many}"

    # --- rules -----------------------------------------------------------------------------

    def _date(self, day: int, month: int, year: str | None) -> str | None:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        day_words = self._w.first_day if day == 1 else self._spell.cardinal(day)
        month_name = self._w.months[month - 1]
        if year is None:
            return self._w.date_no_year.format(d=day_words, m=month_name)
        return self._w.date.format(d=day_words, m=month_name, y=self._spell.cardinal(int(year)))

    def _iso_date(self, match: re.Match[str]) -> str:
        year, month, day = match.groups()
        return self._date(int(day), int(month), year) or match.group(0)

    def _numeric_date(self, match: re.Match[str]) -> str:
        day, _, month, year = match.groups()
        return self._date(int(day), int(month), year) or match.group(0)

    def _hours(self, hour: int) -> tuple[str, str]:
        hour_unit = self._w.hour
        words = self._gendered(self._spell.cardinal(hour), hour_unit)
        return words, hour_unit.one if hour == 1 else hour_unit.many

    def _time(self, hour: int, minute: int) -> str:
        if hour == 12 and minute == 0 and self._w.midday:
            return self._w.midday
        if hour in (0, 24) and minute == 0 and self._w.midnight:
            return self._w.midnight
        h, hw = self._hours(hour)
        if minute == 0:
            return self._w.clock_whole.format(h=h, hw=hw)
        return self._w.clock.format(h=h, hw=hw, m=self._spell.cardinal(minute))

    def _duration(self, hour: int, minute: int, second: int) -> str:
        w = self._w
        parts = [
            self._count(value, unit)
            for value, unit in ((hour, w.hour), (minute, w.minute), (second, w.second))
            if value
        ]
        if not parts:
            return self._count(0, w.second)
        if len(parts) == 1:
            return parts[0]
        return f"{', '.join(parts[:-1])} {w.and_word} {parts[-1]}"

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = match.group(3)
        if hour > 23:
            return match.group(0)
        if second is not None:
            if hour <= 12:  # "00:05:00": a duration, as Home Assistant writes timers
                return self._duration(hour, minute, int(second))
            spoken = self._time(hour, minute)
            if int(second):
                spoken += f" {self._w.and_word} {self._count(int(second), self._w.second)}"
            return spoken
        return self._time(hour, minute)

    def _hour_mark(self, match: re.Match[str]) -> str:
        hour = int(match.group(1))
        if hour > 24:
            return match.group(0)
        return self._time(hour, int(match.group(2) or 0))

    def _am_pm(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if self._w.am_pm is None or not 1 <= hour <= 12:
            return match.group(0)
        morning, afternoon, night = self._w.am_pm
        if match.group(3).lower() == "a":
            part = morning
        else:
            part = afternoon if hour == 12 or hour < 8 else night
        h, hw = self._hours(hour)
        if minute:
            part = f"{self._w.clock.format(h=h, hw=hw, m=self._spell.cardinal(minute))} {part}"
        else:
            part = f"{h} {part}"
        following = match.string[match.end() : match.end() + 2].strip()
        ends_sentence = match.group(4) and (not following or following[:1].isupper())
        return part + ("." if ends_sentence else "")

    def _phone(self, match: re.Match[str]) -> str:
        country, rest = match.groups()
        groups = re.findall(r"\d+", rest)
        digits = sum(len(group) for group in groups)
        paren = rest.startswith("(")
        leading_zero = groups[0].startswith("0")
        grouped_like_a_number = all(len(group) == 3 for group in groups[1:]) and not (
            country or paren or leading_zero
        )
        if digits < 8 or grouped_like_a_number or (not country and not paren and len(groups) < 3):
            return match.group(0)
        spoken = [self._phone_group(group) for group in groups]
        if country:
            code = self._spell.cardinal(int(country.strip(" .-+")))
            spoken.insert(0, f"{self._w.plus} {code}")
        return ", ".join(spoken)

    def _phone_group(self, group: str) -> str:
        if len(group) == 2:
            if group.startswith("0"):
                return self._spell.digits(group)
            return self._spell.cardinal(int(group))
        return self._spell.digits(group)

    def _money_before(self, match: re.Match[str]) -> str:
        sign, currency, amount, upper = match.groups()
        return self._money(currency.strip(), amount, sign, upper)

    def _money_after(self, match: re.Match[str]) -> str:
        sign, amount, upper, currency = match.groups()
        return self._money(currency, amount, sign, upper)

    def _money(self, code: str, amount: str, sign: str | None, upper: str | None) -> str:
        currency = self._w.currencies[code]
        prefix = f"{self._w.minus} " if sign else ""
        main = currency.main
        if upper is not None:
            return f"{prefix}{self.number(amount)} {self._w.range_to} {self._quantity(upper, main)}"
        whole, _, cents = self._amount_parts(amount)
        if cents is None or (currency.minor is None and len(cents) != 2):
            return prefix + self._quantity(amount, main)
        value = int(cents)
        units = int(whole or "0")
        if not value:
            return prefix + self._count(units, main)
        if currency.minor is None or not units:
            minor = currency.minor or main
            minor_words = (
                self._count(value, minor) if currency.minor else self._spell.cardinal(value)
            )
            if not units:
                return prefix + minor_words
            return prefix + self._w.money.format(main=self._count(units, main), minor=minor_words)
        return prefix + self._w.money.format(
            main=self._count(units, main), minor=self._count(value, currency.minor)
        )

    def _amount_parts(self, amount: str) -> tuple[str, str, str | None]:
        """ "1.234,50" -> ("1234", ",", "50"); a fraction other than two digits -> None."""
        text = self._ungrouped(amount)
        whole, mark, fraction = text.replace(",", ".").partition(".")
        if not mark:
            return whole, "", None
        return whole, mark, fraction if len(fraction) == 2 else None

    def _percent(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        if high is not None:
            return f"{self.number(low)} {self._w.range_to} {self.number(high)} {self._w.percent}"
        return f"{self.number(low)} {self._w.percent}"

    def _ordinal(self, match: re.Match[str]) -> str:
        value, suffix = int(match.group(1)), match.group(2)
        if not 0 < value < 10**6:  # no one says such an ordinal: left to the phonemizer
            return match.group(0)
        words = self._spell.ordinal(value)
        kind = self._w.ordinal_suffixes[suffix]
        if kind == "f":
            words = _feminine_ordinal(words)
        elif kind == "a":
            words = re.sub(r"o\b", "", words)  # "primero" -> "primer", "tercero" -> "tercer"
        return words

    def _degree_ordinal(self, match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 6) : match.start()].lower()
        if re.search(r"(?:^|\W)(?:il|lo|la|al|del|nel|sul|dal|l')\s?$", before):
            return self._spell.ordinal(int(match.group(1)))
        return match.group(0)

    def _unit(self, match: re.Match[str]) -> str:
        low, high, symbol = match.groups()
        unit = self._w.units[symbol]
        if high is not None:
            return f"{self.number(low)} {self._w.range_to} {self._quantity(high, unit)}"
        return self._quantity(low, unit)

    def _range(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        return f"{self.number(low)} {self._w.range_to} {self.number(high)}"

    def _plain(self, match: re.Match[str]) -> str:
        sign, written, following = match.groups()
        words = self.number((sign or "") + written)
        if following is None:
            return words
        if re.fullmatch(r"\d+", written):
            noun = Unit("", "", following.strip().lower() in self._w.feminine_nouns)
            words = self._gendered(words, noun)
        return words + following


def _feminine_ordinal(words: str) -> str:
    """ "primero" -> "primera", "vigésimo primero" -> "vigésima primera", "1re" -> "première"."""
    if words.endswith("premier"):
        return words[: -len("premier")] + "première"
    return re.sub(r"o\b", "a", words)
