"""Numbers to words through ``num2words``, shared by every language's rules.

The detection rules (what is a price, a time, a year) are per language; the spelling of a number
is not ours to write: ``num2words`` covers about fifty languages. Results are cached because
replies repeat the same small numbers, and a cached lookup costs far less than a conversion.
"""

from __future__ import annotations

import functools

from num2words import num2words

__all__ = ["Speller"]

#: Longer digit runs are read digit by digit (an account number, not a quantity).
MAX_CARDINAL_DIGITS = 15


class Speller:
    """Number words for one ``num2words`` language, with the house style applied.

    ``and_joiner`` keeps "one hundred and one" (British); without it "one hundred one" (American).
    Commas are always removed from the spelled form: they would be read as pauses.
    """

    def __init__(self, lang: str, *, and_joiner: bool) -> None:
        self.lang = lang
        self._and = and_joiner
        # The numbers below 100 (minutes, days, percentages, phone pairs) are spelled once, at
        # start: the first reply then pays no conversion for them.
        self._below_100 = [self._convert(n, "cardinal") for n in range(100)]
        self._digit_words = self._below_100[:10]

    def _convert(self, value: int, to: str) -> str:
        words = str(num2words(value, lang=self.lang, to=to)).replace(",", "")
        if not self._and:
            words = words.replace(" and ", " ")
        return words

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - a few Spellers live for the process
    def cardinal(self, value: int) -> str:
        """``1234`` -> "one thousand two hundred thirty-four"; huge values digit by digit."""
        if 0 <= value < 100:
            return self._below_100[value]
        if abs(value) >= 10**MAX_CARDINAL_DIGITS:
            sign = "minus " if value < 0 else ""
            return sign + self.digits(str(abs(value)))
        return self._convert(value, "cardinal")

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def ordinal(self, value: int) -> str:
        """``5`` -> "fifth"; a value ``num2words`` cannot spell as an ordinal, as a cardinal."""
        try:
            return self._convert(value, "ordinal")
        except (OverflowError, KeyError, IndexError):
            return self.cardinal(value)

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def year(self, value: int) -> str:
        """``1984`` -> "nineteen eighty-four", ``2005`` -> "two thousand five"."""
        try:
            return self._convert(value, "year")
        except (OverflowError, KeyError, IndexError):
            return self.cardinal(value)

    def digits(self, text: str, zero: str | None = None) -> str:
        """``"007"`` -> "zero zero seven" (``zero`` replaces the word for 0, e.g. "oh")."""
        return " ".join(
            zero if ch == "0" and zero is not None else self._digit_words[int(ch)]
            for ch in text
            if ch.isdigit()
        )

    def number(self, text: str, point: str) -> str:
        """A written number without separators: ``"12"``, ``"3.14"``, ``".5"``, ``"007"``."""
        whole, _, fraction = text.partition(".")
        if len(whole) > 1 and whole.startswith("0"):
            spoken = self.digits(whole)
        else:
            spoken = self.cardinal(int(whole)) if whole else ""
        if fraction:
            spoken = f"{spoken} {point} {self.digits(fraction)}".strip()
        return spoken
