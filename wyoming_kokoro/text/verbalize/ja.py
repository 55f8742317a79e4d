# ruff: noqa: RUF001 - full-width forms and typographic dashes are matched on purpose.
"""Japanese (``ja``): written forms rewritten into the Japanese notation OpenJTalk reads.

Japanese is phonemized by OpenJTalk, which already reads numbers with their counters the way
people say them (1本 いっぽん, 3時半, 2024年12月5日, 45%, 10kg, 1,200円). So this stage keeps the
digits and only rewrites what OpenJTalk reads as symbols:

- "15:30" -> "15時30分"; "3:30 PM" -> "午後3時30分"; "00:05:00" (Home Assistant's timers) ->
  "5分"; "2024/12/05", "2024-12-05" -> "2024年12月5日".
- "21.5°C", "21.5 ℃" -> "21.5度"; "-3°C" -> "マイナス3度"; "70°F" -> "華氏70度";
  "50km/h" -> "時速50キロ".
- "¥1,200" -> "1,200円"; "$12.50" -> "12ドル50セント"; "€5" -> "5ユーロ".
- "090-1234-5678" -> "090の1234の5678" (digit by digit, as phone numbers are read);
  "3〜5", "3-5" -> "3から5"; "1/2" -> "2分の1".
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["JapaneseVerbalizer"]

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．：－", "0123456789.:-")
_CURRENCY_BEFORE = {"¥": "円", "￥": "円", "$": "ドル", "US$": "ドル", "€": "ユーロ", "£": "ポンド"}
_CURRENCY_AFTER = {"JPY": "円", "USD": "ドル", "EUR": "ユーロ", "GBP": "ポンド"}
_MINOR = {"ドル": "セント", "ユーロ": "セント", "ポンド": "ペンス"}
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_LEFT = r"(?<![\d.,/:])"
_RIGHT = r"(?![\d]|[.,/:]\d)"
_RANGE_DASH = r"[〜~～–-]"

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


class JapaneseVerbalizer:
    """Callable: Japanese text in, symbols and clock forms in the notation OpenJTalk reads."""

    def __init__(self) -> None:
        before = "|".join(re.escape(c) for c in sorted(_CURRENCY_BEFORE, key=len, reverse=True))
        after = "|".join(_CURRENCY_AFTER)
        self._rules: list[_Rule] = [
            (
                re.compile(rf"{_LEFT}(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_RIGHT}日?"),
                lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日",
            ),
            (
                re.compile(
                    r"(?<![\d:.])(\d{1,2})(?::([0-5]\d))?\s?([AaPp])\.?\s?[Mm](?![A-Za-z])\.?",
                ),
                self._am_pm,
            ),
            (
                re.compile(r"(?<![\d:.])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:]|[.,]\d)"),
                self._clock,
            ),
            (
                re.compile(
                    r"(?<![\d+])(?:\+(\d{1,3})[\s-]?)?(0?\d{1,4})-(\d{2,4})-(\d{3,4})(?!\d)"
                ),
                self._phone,
            ),
            (
                re.compile(rf"([-−])?(?<![\d.,])({_NUM})\s?(?:°F|℉)"),
                lambda m: f"華氏{'マイナス' if m.group(1) else ''}{m.group(2)}度",
            ),
            (
                re.compile(rf"([-−])?(?<![\d.,])({_NUM})\s?(?:°C|℃|°)"),
                lambda m: f"{'マイナス' if m.group(1) else ''}{m.group(2)}度",
            ),
            (re.compile(rf"{_LEFT}({_NUM})\s?km/h"), lambda m: f"時速{m.group(1)}キロ"),
            (re.compile(rf"({before})\s?({_NUM}){_RIGHT}"), self._money_before),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?({after})(?![A-Za-z])"),
                lambda m: self._money(m.group(1), _CURRENCY_AFTER[m.group(2)]),
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?{_RANGE_DASH}\s?(?=\d)"),
                lambda m: f"{m.group(1)}から",
            ),
            (
                re.compile(rf"{_LEFT}(\d+)/(\d+){_RIGHT}"),
                lambda m: f"{m.group(2)}分の{m.group(1)}",
            ),
            (re.compile(r"(?<![0-9A-Za-z])[-−](?=\d)"), lambda m: "マイナス"),
        ]

    def __call__(self, text: str) -> str:
        text = text.translate(_FULL_WIDTH)
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        return text.strip()

    @staticmethod
    def _time(hour: int, minute: int) -> str:
        return f"{hour}時{minute}分" if minute else f"{hour}時"

    def _am_pm(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            return match.group(0)
        half = "午前" if match.group(3) in "Aa" else "午後"
        return half + self._time(hour, minute)

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3)) if match.group(3) else None
        if hour > 23:
            return match.group(0)
        if second is not None and hour <= 12:  # "00:05:00": a duration (Home Assistant's timers)
            parts = [
                f"{value}{word}"
                for value, word in ((hour, "時間"), (minute, "分"), (second, "秒"))
                if value
            ]
            return "".join(parts) or "0秒"
        spoken = self._time(hour, minute)
        return spoken + (f"{second}秒" if second else "")

    @staticmethod
    def _phone(match: re.Match[str]) -> str:
        country, *groups = match.groups()
        if sum(len(group) for group in groups) < 9:
            return match.group(0)
        spoken = "の".join(groups)
        return f"プラス{country}の{spoken}" if country else spoken

    def _money_before(self, match: re.Match[str]) -> str:
        return self._money(match.group(2), _CURRENCY_BEFORE[match.group(1)])

    @staticmethod
    def _money(amount: str, unit: str) -> str:
        whole, _, fraction = amount.partition(".")
        minor = _MINOR.get(unit)
        if minor and len(fraction) == 2:
            cents = int(fraction)
            return f"{whole}{unit}{cents}{minor}" if cents else f"{whole}{unit}"
        return f"{amount}{unit}"
